package main

import "context"

// The Go packages of the ci module that compile without Dagger's generated
// code: everything but the module's own package main.
const ciPackages = `go list -e ./... | grep -v '^github.com/gangway-dev/gangway/ci$'`

// Vet runs go vet on the service, the integration suite and the pipeline packages.
// +check
func (m *Gangway) Vet(ctx context.Context) error {
	_, err := goEnv(m.Source).
		WithExec([]string{"go", "vet", "./..."}).
		WithWorkdir("/src/ci").
		WithExec([]string{"sh", "-c", "go vet $(" + ciPackages + ")"}).
		Sync(ctx)
	return err
}

// UnitTest runs the unit tests of the service and of the pipeline packages (the integration suite needs a URL: see integration-test).
// +check
func (m *Gangway) UnitTest(ctx context.Context) error {
	_, err := goEnv(m.Source).
		WithExec([]string{"sh", "-c", "go test -count=1 $(go list ./... | grep -v '/tests$')"}).
		WithWorkdir("/src/ci").
		WithExec([]string{"sh", "-c", "go test -count=1 $(" + ciPackages + ")"}).
		Sync(ctx)
	return err
}

// TerraformLint checks Terraform formatting and validates the configuration (no backend, no credentials).
// +check
func (m *Gangway) TerraformLint(ctx context.Context) error {
	_, err := dag.Container().
		From(terraformImage).
		WithMountedCache("/root/.terraform.d/plugin-cache", dag.CacheVolume("gangway-terraform-plugins")).
		WithEnvVariable("TF_PLUGIN_CACHE_DIR", "/root/.terraform.d/plugin-cache").
		WithDirectory("/src", m.Source.Directory("terraform")).
		WithWorkdir("/src").
		WithExec([]string{"terraform", "fmt", "-check", "-recursive", "-diff"}).
		WithExec([]string{"terraform", "init", "-backend=false", "-input=false"}).
		WithExec([]string{"terraform", "validate"}).
		Sync(ctx)
	return err
}

// WorkflowLint runs actionlint on the GitHub Actions workflows.
// +check
func (m *Gangway) WorkflowLint(ctx context.Context) error {
	_, err := goEnv(m.Source).
		WithExec([]string{"go", "run", "github.com/rhysd/actionlint/cmd/actionlint@" + actionlintVersion, "-color=false"}).
		Sync(ctx)
	return err
}

// actionlintVersion is the release the checks and .ci/suites use.
const actionlintVersion = "v1.7.12"
