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

// Rollout records an image where the environment's booting hosts read it, runs it on its hosts through SSM Run Command, behind the health gate, and records the deploy; returns the CLI's JSON result.
// +cache="never"
func (m *Gangway) Rollout(
	ctx context.Context,
	// Environment: test or prod.
	env string,
	// The image: REPOSITORY@sha256:… in that environment's repository.
	image string,
	// The source revision of the image, for the deploy record, e.g. $GITHUB_SHA.
	// +optional
	commit string,
	// Who runs it, for the deploy record, e.g. $GITHUB_ACTOR.
	// +optional
	actor string,
) (string, error) {
	ref, err := imageref.Parse(image)
	if err != nil {
		return "", err
	}
	out, err := m.outputsOf(ctx, env)
	if err != nil {
		return "", err
	}
	args, err := steps.RolloutArgs(env, ref, steps.Record{Actor: actor, Commit: commit}, out)
	return m.stdout(ctx, args, err)
}

// Rollback switches the hosts of an environment's group back to the version that ran before the last rollout, or rolls out an earlier digest still in its repository (recorded for booting hosts too), and records it; returns the CLI's JSON result.
// +cache="never"
func (m *Gangway) Rollback(
	ctx context.Context,
	// Environment: test or prod.
	env string,
	// An earlier digest of the environment's repository to deploy instead, sha256:<64 hex> (the history function lists them).
	// +optional
	to string,
	// Who runs it, for the deploy record, e.g. $GITHUB_ACTOR.
	// +optional
	actor string,
) (string, error) {
	out, err := m.outputsOf(ctx, env)
	if err != nil {
		return "", err
	}
	args, err := steps.RollbackArgs(env, to, steps.Record{Actor: actor}, out)
	return m.stdout(ctx, args, err)
}

// Status of an environment: its Terraform outputs, its last deploy, and each host with the image it serves (asked over SSM); returns the CLI's JSON, or fails when it was never deployed.
// +cache="never"
func (m *Gangway) Status(
	ctx context.Context,
	// Environment: test or prod.
	env string,
) (string, error) {
	args, err := steps.StatusArgs(steps.TerraformDir, env)
	return m.stdout(ctx, args, err)
}

// Logs of an environment's containers from its CloudWatch log group, one line each (time, host and container, message), oldest first.
// +cache="never"
func (m *Gangway) Logs(
	ctx context.Context,
	// Environment: test or prod.
	env string,
	// How far back to start, as a Go duration.
	// +default="10m"
	since string,
	// CloudWatch Logs filter pattern, such as ERROR.
	// +optional
	filter string,
	// How many of the newest lines (0 for all).
	// +default=1000
	limit int,
) (string, error) {
	args, err := steps.LogsArgs(steps.TerraformDir, env, since, filter, limit)
	return m.stdout(ctx, args, err)
}

// History of an environment's deploys: who rolled out or back which digest, from what commit, when, the result and the duration, newest first; returns the CLI's JSON.
// +cache="never"
func (m *Gangway) History(
	ctx context.Context,
	// Environment: test or prod.
	env string,
	// How many of the newest records (0 for all).
	// +default=20
	limit int,
) (string, error) {
	args, err := steps.HistoryArgs(env, limit)
	return m.stdout(ctx, args, err)
}
