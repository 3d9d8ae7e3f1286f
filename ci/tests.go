package main

import (
	"context"
	"fmt"

	"github.com/gangway-dev/gangway/ci/internal/dagger"
	"github.com/gangway-dev/gangway/ci/steps"
)

// IntegrationTest runs the integration suite (tests/) against a running service; returns its go test -json report and fails when any check fails.
// +cache="never"
func (m *Gangway) IntegrationTest(
	ctx context.Context,
	// Base URL of the service, e.g. the app_url output of an environment.
	// +optional
	url string,
	// A service to test instead of a URL, reached as http://app:<its first exposed port>, e.g. tcp://localhost:8000 for a service running on the host.
	// +optional
	service *dagger.Service,
	// How long the suite waits for the service to become ready (a Go duration).
	// +default="120s"
	readyTimeout string,
) (*dagger.File, error) {
	report, err := m.integrationReport(ctx, url, service, readyTimeout)
	if err != nil {
		return nil, err
	}
	data, err := report.Contents(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the test report: %w", err)
	}
	if err := steps.ParseTestJSON([]byte(data)).Error(); err != nil {
		return nil, err
	}
	return report, nil
}

// integrationReport runs the suite and returns its report whatever the
// result: the compiled test binary under test2json, in a Go container.
func (m *Gangway) integrationReport(ctx context.Context, url string, service *dagger.Service, readyTimeout string) (*dagger.File, error) {
	suite := goEnv(m.rootModule("app", "tests")).
		WithExec([]string{"go", "test", "-c", "-o", "/out/tests.test", "./tests"}).
		File("/out/tests.test")
	runner := dag.Container().
		From(goImage).
		WithFile("/usr/local/bin/tests.test", suite).
		WithEnvVariable("READY_TIMEOUT", readyTimeout)
	switch {
	case service != nil && url == "":
		ports, err := service.Ports(ctx)
		if err != nil || len(ports) == 0 {
			return nil, fmt.Errorf("the service exposes no port to test: %v", err)
		}
		port, err := ports[0].Port(ctx)
		if err != nil {
			return nil, err
		}
		runner = runner.WithServiceBinding("app", service)
		url = fmt.Sprintf("http://app:%d", port)
	case service == nil && url != "":
	default:
		return nil, fmt.Errorf("integration-test needs exactly one of --url or --service")
	}
	report := runner.
		WithEnvVariable("APP_URL", url).
		// The suite checks a live system: a cached result would prove nothing.
		WithEnvVariable("GANGWAY_NONCE", steps.Nonce()).
		WithExec(
			steps.SuiteArgs("/usr/local/bin/tests.test"),
			dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny, RedirectStdout: "/report.json"},
		).
		File("/report.json")
	return report, nil
}
