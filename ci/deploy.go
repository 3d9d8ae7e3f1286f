package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gangway-dev/gangway/ci/internal/dagger"
	"github.com/gangway-dev/gangway/ci/steps"
)

// Deployment is what a deploy did.
type Deployment struct {
	// Environment deployed.
	Env string
	// The image running now: REPOSITORY@sha256:… in the environment's repository.
	Image string
	// The digest that test built and tested, promoted to prod (empty for test).
	PromotedFrom string
	// The service's public URL (terraform output app_url).
	AppURL string
	// What `pipeline apply` printed (JSON).
	Apply string
	// What `pipeline rollout` printed (JSON).
	Rollout string
	// The integration suite's go test -json report (empty when not run).
	TestReport string
}

// Files returns the deployment as files for export: deployment.json, apply.json, rollout.json and, when the suite ran, tests.json.
func (d *Deployment) Files() (*dagger.Directory, error) {
	summary, err := json.MarshalIndent(map[string]string{
		"environment":   d.Env,
		"image":         d.Image,
		"promoted_from": d.PromotedFrom,
		"app_url":       d.AppURL,
	}, "", "  ")
	if err != nil {
		return nil, err
	}
	dir := dag.Directory().
		WithNewFile("deployment.json", string(summary)+"\n").
		WithNewFile("apply.json", d.Apply).
		WithNewFile("rollout.json", d.Rollout)
	if d.TestReport != "" {
		dir = dir.WithNewFile("tests.json", d.TestReport)
	}
	return dir, nil
}

// Deploy an environment end to end: apply, build and publish (test) or promote the tested digest (prod), roll out, and run the integration tests on test.
// +cache="never"
func (m *Gangway) Deploy(
	ctx context.Context,
	// Environment: test or prod.
	env string,
	// The image to deploy, REPOSITORY@sha256:… from the test repository. Required for prod (the digest the test deploy published and tested); test builds when omitted.
	// +optional
	image string,
	// Git revision of the build (tag prefix, labels, APP_VERSION), e.g. $GITHUB_SHA.
	// +default="dev"
	revision string,
	// Do not run the integration suite after a test deploy (for a pipeline that runs integration-test as its own step).
	// +optional
	skipIntegrationTests bool,
) (*Deployment, error) {
	// Refuse bad input before any side effect.
	if err := steps.CheckDeploy(env, image); err != nil {
		return nil, err
	}
	d := &Deployment{Env: env}
	if image != "" {
		// Only what test's repository holds: prod gets exactly what test ran.
		if _, err := m.checkTested(ctx, image); err != nil {
			return nil, err
		}
	}

	var err error
	if d.Apply, err = m.Apply(ctx, env, nil); err != nil {
		return nil, err
	}
	out, err := m.outputs(ctx, env)
	if err != nil {
		return nil, err
	}
	vals, err := out.Require("app_url", "ecr_repository_url")
	if err != nil {
		return nil, err
	}
	d.AppURL = vals[0]
	repo := vals[1]

	switch {
	case env == "prod":
		if _, err := m.promote(ctx, image); err != nil {
			return nil, fmt.Errorf("promoting %s: %w", image, err)
		}
		tested, err := steps.ParseDigestRef(image)
		if err != nil {
			return nil, err
		}
		// Promotion copies the manifest: same digest, prod's repository.
		d.PromotedFrom = image
		d.Image = steps.DigestRef{Repository: repo, Digest: tested.Digest}.String()
	case image != "":
		d.Image = image
	default:
		if d.Image, err = m.Publish(ctx, nil, revision); err != nil {
			return nil, err
		}
	}

	if d.Rollout, err = m.Rollout(ctx, env, d.Image); err != nil {
		return nil, err
	}
	if env == "test" && !skipIntegrationTests {
		report, err := m.IntegrationTest(ctx, d.AppURL, nil, "120s")
		if err != nil {
			return nil, fmt.Errorf("test deploy of %s: %w", d.Image, err)
		}
		if d.TestReport, err = report.Contents(ctx); err != nil {
			return nil, err
		}
	}
	return d, nil
}
