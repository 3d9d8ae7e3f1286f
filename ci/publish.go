package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/gangway-dev/gangway/ci/awsenv"
	"github.com/gangway-dev/gangway/ci/imageref"
	"github.com/gangway-dev/gangway/ci/internal/dagger"
	"github.com/gangway-dev/gangway/ci/registry"
	"github.com/gangway-dev/gangway/ci/steps"
	"github.com/gangway-dev/gangway/ci/tf"
)

// plaintext reads a secret for an in-process SDK call, naming it on failure.
func plaintext(ctx context.Context, name string, s *dagger.Secret) (string, error) {
	v, err := s.Plaintext(ctx)
	if err != nil {
		return "", fmt.Errorf("reading the secret %s: %w", name, err)
	}
	return v, nil
}

// registryAuth logs in to ECR from the module itself, with the same
// ci/registry code as `pipeline ecr-login`: the token goes from the ECR API
// straight into a Dagger secret. It is never printed, never an argument, and
// never a file in a container layer that the engine would cache.
func (m *Gangway) registryAuth(ctx context.Context) (registry.Auth, *dagger.Secret, error) {
	cfg, err := m.awsConfig(ctx)
	if err != nil {
		return registry.Auth{}, nil, err
	}
	auth, err := registry.ECRLogin(ctx, ecr.NewFromConfig(cfg))
	if err != nil {
		return registry.Auth{}, nil, err
	}
	return auth, dag.SetSecret("gangway-ecr-"+steps.Nonce(), auth.Password), nil
}

// awsConfig is the AWS configuration for an in-process call, from the
// credentials the constructor was given: keys as they are, or the role
// assumed with the web identity token held in memory.
func (m *Gangway) awsConfig(ctx context.Context) (aws.Config, error) {
	src, err := m.credentialSource()
	if err != nil {
		return aws.Config{}, err
	}
	if src == awsenv.WebIdentity {
		token, err := plaintext(ctx, "aws-web-identity-token", m.AwsWebIdentityToken)
		if err != nil {
			return aws.Config{}, err
		}
		return awsenv.AssumeWebIdentity(ctx, awsenv.Settings{Region: m.Region}, m.AwsRoleArn, []byte(token))
	}
	id, err := plaintext(ctx, "aws-access-key-id", m.AwsAccessKeyID)
	if err != nil {
		return aws.Config{}, err
	}
	key, err := plaintext(ctx, "aws-secret-access-key", m.AwsSecretAccessKey)
	if err != nil {
		return aws.Config{}, err
	}
	var token string
	if m.AwsSessionToken != nil {
		if token, err = plaintext(ctx, "aws-session-token", m.AwsSessionToken); err != nil {
			return aws.Config{}, err
		}
	}
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(m.Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, key, token)))
	if err != nil {
		return aws.Config{}, fmt.Errorf("AWS configuration: %w", err)
	}
	return cfg, nil
}

// Publish the service image to the test environment's ECR repository (prod only receives promoted digests); returns REPOSITORY@sha256:….
// +cache="never"
func (m *Gangway) Publish(
	ctx context.Context,
	// The image to push; built from app/Containerfile when omitted.
	// +optional
	image *dagger.Container,
	// Git revision: the tag's prefix and the build's labels, e.g. $GITHUB_SHA.
	// +default="dev"
	revision string,
) (string, error) {
	// Builds go to test only: prod receives the tested digest (promote).
	out, err := m.outputsOf(ctx, "test")
	if err != nil {
		return "", err
	}
	ref, err := m.publish(ctx, image, revision, out.ECRRepositoryURL)
	if err != nil {
		return "", err
	}
	return ref.String(), nil
}

// publish pushes image (or a build of revision) to repository.
func (m *Gangway) publish(ctx context.Context, image *dagger.Container, revision, repository string) (imageref.Ref, error) {
	if image == nil {
		image = m.Build(revision, "")
	}
	login, token, err := m.registryAuth(ctx)
	if err != nil {
		return imageref.Ref{}, err
	}
	// ECR tags are immutable: the tag carries a nonce, consumers use the digest.
	pushed, err := image.
		WithRegistryAuth(login.Registry, login.Username, token).
		Publish(ctx, repository+":"+steps.ImageTag(revision, steps.Nonce()))
	if err != nil {
		return imageref.Ref{}, fmt.Errorf("pushing to %s: %w", repository, err)
	}
	return imageref.FromPushed(pushed)
}

// outputsOf reads and parses env's outputs contract.
func (m *Gangway) outputsOf(ctx context.Context, env string) (tf.Outputs, error) {
	out, err := m.Outputs(ctx, env)
	if err != nil {
		return tf.Outputs{}, fmt.Errorf("reading %s outputs: %w", env, err)
	}
	return tf.ParseOutputs([]byte(out))
}
