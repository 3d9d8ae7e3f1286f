package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/gangway-dev/gangway/ci/deploy"
	"github.com/gangway-dev/gangway/ci/internal/dagger"
	"github.com/gangway-dev/gangway/ci/steps"
)

// IntegrationTest runs the integration suite (tests/) against a running service; returns its report, passed or failed: export files, then call verdict.
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
	// The image that serves there, REPOSITORY@sha256:… in test's repository: when the gate passes, a record that it passed is signed with test's attestation key (AWS credentials of the test deploy role needed) and stored beside it, for prod.
	// +optional
	image string,
	// Git revision of the image, for the record.
	// +optional
	revision string,
) (*Report, error) {
	s := &moduleSteps{m: m, service: service, readyTimeout: readyTimeout}
	if service != nil && url == "" {
		ports, err := service.Ports(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the ports the service exposes: %w", err)
		}
		if len(ports) == 0 {
			return nil, errors.New("the service exposes no port to test")
		}
		port, err := ports[0].Port(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the port the service exposes: %w", err)
		}
		url = fmt.Sprintf("http://app:%d", port)
	} else if (service == nil) == (url == "") {
		return nil, fmt.Errorf("integration-test needs exactly one of --url or --service")
	}
	rep, _ := deploy.Gate(ctx, s, deploy.GateRequest{AppURL: url, Image: image, Revision: revision}) // the report carries the outcome
	return newReport(rep)
}

// suite runs the integration suite against url in a Go container and
// returns its `go test -json` stream, whatever the result.
func (s *moduleSteps) suite(ctx context.Context, url string) ([]byte, error) {
	c := goEnv(s.m.rootModule("tests")).
		WithEnvVariable("APP_URL", url).
		WithEnvVariable("READY_TIMEOUT", s.readyTimeout)
	if s.service != nil {
		c = c.WithServiceBinding("app", s.service)
	}
	const stream = "/tmp/tests.jsonl"
	out, err := c.
		// The suite checks a live system: a cached result would prove nothing.
		WithEnvVariable("GANGWAY_NONCE", steps.Nonce()).
		WithExec(steps.SuiteArgs(), dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny, RedirectStdout: stream}).
		File(stream).
		Contents(ctx)
	if err != nil {
		return nil, fmt.Errorf("running the integration suite: %w", err)
	}
	return []byte(out), nil
}
