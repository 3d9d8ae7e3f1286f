package main

import (
	"maps"
	"slices"

	"github.com/gangway-dev/gangway/ci/internal/dagger"
	"github.com/gangway-dev/gangway/ci/steps"
)

// goEnv is a Go toolchain container with src at /src and the module and
// build caches on volumes, building static binaries.
func goEnv(src *dagger.Directory) *dagger.Container {
	return dag.Container().
		From(goImage).
		WithMountedCache("/go/pkg/mod", dag.CacheVolume("gangway-go-mod")).
		WithEnvVariable("GOMODCACHE", "/go/pkg/mod").
		WithMountedCache("/root/.cache/go-build", dag.CacheVolume("gangway-go-build")).
		WithEnvVariable("GOCACHE", "/root/.cache/go-build").
		WithEnvVariable("CGO_ENABLED", "0").
		WithEnvVariable("GOFLAGS", "-trimpath -buildvcs=false").
		WithMountedDirectory("/src", src).
		WithWorkdir("/src")
}

// rootModule is the root Go module limited to dirs, so that a change
// elsewhere (terraform/, ci/) does not rebuild what does not depend on it.
func (m *Gangway) rootModule(dirs ...string) *dagger.Directory {
	include := []string{"go.mod", "go.sum"}
	for _, d := range dirs {
		include = append(include, d+"/")
	}
	return m.Source.Filter(dagger.DirectoryFilterOpts{Include: include})
}

// pipelineCLI is the pipeline CLI built from this checkout's ci/ module.
func (m *Gangway) pipelineCLI() *dagger.File {
	return goEnv(m.Source.Directory("ci")).
		WithExec([]string{"go", "build", "-ldflags", "-s -w", "-o", "/out/pipeline", "./cmd/pipeline"}).
		File("/out/pipeline")
}

// Build the service image: a static binary on a minimal non-root base with CA certificates.
func (m *Gangway) Build(
	// Git revision the image is built from (OCI label, APP_VERSION), e.g. $GITHUB_SHA.
	// +default="dev"
	revision string,
	// URL of the source repository (OCI label org.opencontainers.image.source).
	// +optional
	sourceURL string,
) *dagger.Container {
	bin := goEnv(m.rootModule("app")).
		WithExec([]string{"go", "build", "-ldflags", "-s -w", "-o", "/out/app", "./app"}).
		File("/out/app")
	image := dag.Container().
		From(runtimeImage). // CA certificates, tzdata, user nonroot (65532)
		WithFile("/app", bin).
		WithUser("65532:65532").
		WithEnvVariable("APP_VERSION", revision).
		WithExposedPort(8000).
		WithEntrypoint([]string{"/app"})
	labels := steps.ImageLabels(revision, sourceURL, revision)
	for _, k := range slices.Sorted(maps.Keys(labels)) { // a stable order keeps the layer cacheable
		image = image.WithLabel(k, labels[k])
	}
	return image
}
