package main

import (
	"context"
	"fmt"

	"github.com/gangway-dev/gangway/ci/steps"
)

// Promote copies an image that test deployed and tested to the prod repository, by digest, without rebuilding; returns the CLI's JSON result.
// +cache="never"
func (m *Gangway) Promote(
	ctx context.Context,
	// The tested image: REPOSITORY@sha256:… in the test repository.
	image string,
) (string, error) {
	if _, err := m.checkTested(ctx, image); err != nil {
		return "", err
	}
	return m.promote(ctx, image)
}

// promote runs `pipeline promote` for an image already checked by checkTested.
func (m *Gangway) promote(ctx context.Context, image string) (string, error) {
	args, err := steps.PromoteArgs(image)
	if err != nil {
		return "", err
	}
	return m.stdout(ctx, args)
}

// Rollout runs an image on an environment's host through SSM Run Command, behind the health gate; returns the CLI's JSON result.
// +cache="never"
func (m *Gangway) Rollout(
	ctx context.Context,
	// Environment: test or prod.
	env string,
	// The image: REPOSITORY@sha256:… in that environment's repository.
	image string,
) (string, error) {
	args, err := steps.RolloutArgs(env, image)
	if err != nil {
		return "", err
	}
	out, err := m.stdout(ctx, args)
	if err != nil {
		return "", fmt.Errorf("rolling out %s to %s: %w", image, env, err)
	}
	return out, nil
}

// Rollback switches an environment back to the version that ran before the last rollout; returns the CLI's JSON result.
// +cache="never"
func (m *Gangway) Rollback(
	ctx context.Context,
	// Environment: test or prod.
	env string,
) (string, error) {
	args, err := steps.RollbackArgs(env)
	if err != nil {
		return "", err
	}
	return m.stdout(ctx, args)
}

// checkTested refuses an image that is not a digest in test's repository,
// as test's Terraform outputs name it.
func (m *Gangway) checkTested(ctx context.Context, image string) (steps.DigestRef, error) {
	if err := steps.CheckDeploy("prod", image); err != nil {
		return steps.DigestRef{}, err
	}
	out, err := m.outputs(ctx, "test")
	if err != nil {
		return steps.DigestRef{}, err
	}
	vals, err := out.Require("ecr_repository_url")
	if err != nil {
		return steps.DigestRef{}, err
	}
	return steps.ValidateTested(image, vals[0])
}
