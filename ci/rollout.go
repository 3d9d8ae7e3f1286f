package main

import (
	"context"

	"github.com/gangway-dev/gangway/ci/imageref"
	"github.com/gangway-dev/gangway/ci/steps"
)

// Promote copies an image that test deployed and tested to the prod repository, by digest, without rebuilding; returns the CLI's JSON result.
// +cache="never"
func (m *Gangway) Promote(
	ctx context.Context,
	// The tested image: REPOSITORY@sha256:… in the test repository.
	image string,
) (string, error) {
	ref, err := imageref.Parse(image)
	if err != nil {
		return "", err
	}
	if _, err := m.stdout(ctx, steps.VerifyTestedArgs(ref), nil); err != nil {
		return "", err
	}
	prod, err := m.outputsOf(ctx, "prod")
	if err != nil {
		return "", err
	}
	return m.stdout(ctx, steps.PromoteArgs(ref, prod.ECRRepositoryURL), nil)
}

// Rollout runs an image on an environment's hosts through SSM Run Command, behind the health gate; returns the CLI's JSON result.
// +cache="never"
func (m *Gangway) Rollout(
	ctx context.Context,
	// Environment: test or prod.
	env string,
	// The image: REPOSITORY@sha256:… in that environment's repository.
	image string,
) (string, error) {
	ref, err := imageref.Parse(image)
	if err != nil {
		return "", err
	}
	args, err := steps.RolloutArgs(env, ref)
	return m.stdout(ctx, args, err)
}

// Rollback switches an environment back to the version that ran before the last rollout; returns the CLI's JSON result.
// +cache="never"
func (m *Gangway) Rollback(
	ctx context.Context,
	// Environment: test or prod.
	env string,
) (string, error) {
	args, err := steps.RollbackArgs(env)
	return m.stdout(ctx, args, err)
}
