package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/gangway-dev/gangway/ci/internal/dagger"
	"github.com/gangway-dev/gangway/ci/steps"
)

// registryAuth logs in to env's ECR registry with the pipeline CLI. The
// token goes from the CLI's 0600 password file straight into a Dagger
// secret: it is never printed, never an argument, and the exec that made it
// is never reused from cache (a nonce), since tokens expire after 12 hours.
func (m *Gangway) registryAuth(ctx context.Context, env string) (steps.Login, *dagger.Secret, error) {
	passwordFile := workDir + "/ecr-password"
	c, err := m.run(steps.ECRLoginArgs(env, passwordFile))
	if err != nil {
		return steps.Login{}, nil, err
	}
	out, err := c.Stdout(ctx)
	if err != nil {
		return steps.Login{}, nil, cliError([]string{steps.CLI, "ecr-login"}, err)
	}
	login, err := steps.ParseLogin([]byte(out))
	if err != nil {
		return steps.Login{}, nil, err
	}
	token, err := c.File(passwordFile).Contents(ctx)
	if err != nil {
		return steps.Login{}, nil, fmt.Errorf("reading the registry token: %w", err)
	}
	return login, dag.SetSecret("gangway-ecr-"+env, strings.TrimSpace(token)), nil
}

// Publish the service image to the test environment's ECR repository (prod only receives promoted digests); returns REPOSITORY@sha256:….
// +cache="never"
func (m *Gangway) Publish(
	ctx context.Context,
	// The image to push; built from the source when omitted.
	// +optional
	image *dagger.Container,
	// Git revision: the tag's prefix and the build's labels, e.g. $GITHUB_SHA.
	// +default="dev"
	revision string,
) (string, error) {
	const env = "test" // builds go to test only: prod receives the tested digest (promote)
	if image == nil {
		image = m.Build(revision, "")
	}
	out, err := m.outputs(ctx, env)
	if err != nil {
		return "", err
	}
	vals, err := out.Require("ecr_repository_url")
	if err != nil {
		return "", err
	}
	repo := vals[0]
	login, token, err := m.registryAuth(ctx, env)
	if err != nil {
		return "", err
	}
	// ECR tags are immutable: the tag carries a nonce, consumers use the digest.
	published, err := image.
		WithRegistryAuth(login.Registry, login.Username, token).
		Publish(ctx, repo+":"+steps.ImageTag(revision, steps.Nonce()))
	if err != nil {
		return "", fmt.Errorf("pushing to %s: %w", repo, err)
	}
	ref, err := steps.PublishedRef(published)
	if err != nil {
		return "", err
	}
	return ref.String(), nil
}
