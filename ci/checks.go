package main

import (
	"context"

	"github.com/gangway-dev/gangway/ci/internal/dagger"
)

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

// TestsWithoutComponents runs the tests that need no local component (go test -short): no moto, PostgreSQL, podman or terraform exists in this container; .ci/run runs the rest.
// +check
func (m *Gangway) TestsWithoutComponents(ctx context.Context) error {
	_, err := goEnv(m.Source).
		// tests/ is the integration suite: it needs a running service.
		WithExec([]string{"sh", "-c", "go test -short -count=1 $(go list ./... | grep -v '/tests$')"}).
		WithWorkdir("/src/ci").
		WithExec([]string{"sh", "-c", "go test -short -count=1 $(" + ciPackages + ")"}).
		Sync(ctx)
	return err
}

// TerraformLint checks Terraform formatting, validates both configurations (no backend, no credentials) and runs tflint.
// +check
func (m *Gangway) TerraformLint(ctx context.Context) error {
	tflint := goEnv(dag.Directory()).
		WithEnvVariable("GOBIN", "/out").
		WithExec([]string{"go", "install", "github.com/terraform-linters/tflint@" + tflintVersion}).
		File("/out/tflint")
	c := dag.Container().
		From(terraformImage).
		WithMountedCache("/root/.terraform.d/plugin-cache", dag.CacheVolume("gangway-terraform-plugins")).
		WithEnvVariable("TF_PLUGIN_CACHE_DIR", "/root/.terraform.d/plugin-cache").
		WithFile("/usr/local/bin/tflint", tflint).
		WithDirectory("/src", m.Source.Directory("terraform")).
		WithWorkdir("/src").
		WithExec([]string{"terraform", "fmt", "-check", "-recursive", "-diff"})
	for _, dir := range []string{"/src", "/src/bootstrap"} {
		c = c.
			WithWorkdir(dir).
			WithExec([]string{"terraform", "init", "-backend=false", "-input=false"}).
			WithExec([]string{"terraform", "validate"}).
			WithExec([]string{"tflint", "--config=/src/.tflint.hcl"})
	}
	_, err := c.Sync(ctx)
	return err
}

// WorkflowLint runs actionlint, with shellcheck on the run: scripts, on the GitHub Actions workflows.
// +check
func (m *Gangway) WorkflowLint(ctx context.Context) error {
	// The uploaded tree has no .git, so actionlint finds no project by
	// itself: name the files.
	_, err := goEnv(m.Source.Filter(dagger.DirectoryFilterOpts{Include: []string{".github/"}})).
		WithExec([]string{"sh", "-c", "apt-get update -qq && apt-get install -y -qq --no-install-recommends shellcheck >/dev/null"}).
		WithExec([]string{"sh", "-c", "go run github.com/rhysd/actionlint/cmd/actionlint@" + actionlintVersion + " -color=false .github/workflows/*.yml"}).
		Sync(ctx)
	return err
}

// Versions of the linters the checks build, the same as .ci/suites use (a
// test holds them together).
const (
	actionlintVersion = "v1.7.12"
	tflintVersion     = "v0.64.0"
)
