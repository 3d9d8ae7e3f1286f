package main

import (
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

// pipelineCLI is the pipeline CLI built from this checkout's ci/ module,
// beside the root go.mod its replace directive reads (the CLI links
// nothing of the root module, so nothing else of it is mounted).
func (m *Gangway) pipelineCLI() *dagger.File {
	return goEnv(m.rootModule("ci")).
		WithWorkdir("/src/ci").
		WithExec([]string{"go", "build", "-ldflags", "-s -w", "-o", "/out/pipeline", "./cmd/pipeline"}).
		File("/out/pipeline")
}

// Build the service image from app/Containerfile, the one recipe, for the hosts' platform (linux/amd64).
func (m *Gangway) Build(
	// Git revision the image is built from (OCI label, APP_VERSION), e.g. $GITHUB_SHA.
	// +default="dev"
	revision string,
	// URL of the source repository (OCI label org.opencontainers.image.source).
	// +optional
	sourceURL string,
) *dagger.Container {
	// Everything about the image (user, entrypoint, port, labels) is in
	// the Containerfile; the module only passes its build arguments.
	return m.rootModule("app").DockerBuild(dagger.DirectoryDockerBuildOpts{
		Dockerfile: steps.Containerfile,
		Platform:   dagger.Platform(steps.HostPlatform),
		BuildArgs:  buildArgs(steps.ImageBuildArgs(revision, sourceURL)),
	})
}

// buildArgs converts the shared build arguments to Dagger's type.
func buildArgs(args []steps.BuildArg) []dagger.BuildArg {
	out := make([]dagger.BuildArg, len(args))
	for i, a := range args {
		out[i] = dagger.BuildArg{Name: a.Name, Value: a.Value}
	}
	return out
}
