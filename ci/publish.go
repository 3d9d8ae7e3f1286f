package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/gangway-dev/gangway/ci/internal/dagger"
	"github.com/gangway-dev/gangway/ci/registry"
	"github.com/gangway-dev/gangway/ci/steps"
)

// registryAuth logs in to ECR from the module itself, with the same
// ci/registry code as `pipeline ecr-login`: the token goes from the ECR API
// straight into a Dagger secret. It is never printed, never an argument, and
// never a file in a container layer that the engine would cache.
func (m *Gangway) registryAuth(ctx context.Context) (registry.Auth, *dagger.Secret, error) {
	if m.AwsAccessKeyID == nil || m.AwsSecretAccessKey == nil {
		return registry.Auth{}, nil, errNoCredentials
	}
	id, err := m.AwsAccessKeyID.Plaintext(ctx)
	if err != nil {
		return registry.Auth{}, nil, err
	}
	key, err := m.AwsSecretAccessKey.Plaintext(ctx)
	if err != nil {
		return registry.Auth{}, nil, err
	}
	var token string
	if m.AwsSessionToken != nil {
		if token, err = m.AwsSessionToken.Plaintext(ctx); err != nil {
			return registry.Auth{}, nil, err
		}
	}
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(m.Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, key, token)))
	if err != nil {
		return registry.Auth{}, nil, fmt.Errorf("AWS configuration: %w", err)
	}
	auth, err := registry.ECRLogin(ctx, ecr.NewFromConfig(cfg))
	if err != nil {
		return registry.Auth{}, nil, err
	}
	return auth, dag.SetSecret("gangway-ecr-"+steps.Nonce(), auth.Password), nil
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
	login, token, err := m.registryAuth(ctx)
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
