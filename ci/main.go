// Gangway: ship a Go web service from a merged pull request to production on AWS.
//
// The module builds the service image once from app/Containerfile, plans and
// applies the Terraform of an environment, pushes the image to the
// environment's ECR repository, rolls it out on the EC2 hosts through SSM Run
// Command, runs the integration suite against it, and promotes the very
// digest that passed from test to prod. The deploy sequence is the same Go
// code that `pipeline local` runs (ci/deploy); here each step runs the
// project's pipeline CLI inside the container that has the tool it needs.
// AWS credentials only ever travel as secrets.
//
// Credentials are constructor arguments, so a deploy from a laptop reads:
//
//	dagger call --aws-access-key-id env://AWS_ACCESS_KEY_ID \
//	  --aws-secret-access-key env://AWS_SECRET_ACCESS_KEY \
//	  --aws-session-token env://AWS_SESSION_TOKEN \
//	  --region eu-west-1 --state-bucket my-tf-state \
//	  deploy --env test files export --path .deploy
//	dagger call verdict --report .deploy/result.json
package main

import (
	"errors"

	"github.com/gangway-dev/gangway/ci/attest"
	"github.com/gangway-dev/gangway/ci/internal/dagger"
)

// Images the module runs: Terraform pinned to the release the configuration
// is tested with, Go to the patch release of the go.mod files. Bump them
// deliberately (a test holds goImage to the go.mod files).
const (
	goImage        = "golang:1.26.8-bookworm"
	terraformImage = "hashicorp/terraform:1.11.4"
)

// Gangway is the deployment pipeline of one repository checkout.
type Gangway struct {
	// The repository: app/, tests/, internal/, terraform/, ci/, .github/.
	Source *dagger.Directory // +private

	// AWS credentials and settings for the steps that call AWS.
	AwsAccessKeyID     *dagger.Secret // +private
	AwsSecretAccessKey *dagger.Secret // +private
	AwsSessionToken    *dagger.Secret // +private
	Region             string         // +private
	StateBucket        string         // +private
	// The public half of test's attestation key (PEM), which prod trusts.
	AttestationPublicKey string // +private
}

// New returns the pipeline for a repository checkout and, for the steps that
// call AWS, its credentials.
func New(
	// The repository root. Only what the pipeline reads is uploaded: the ignore list re-includes each directory it needs and drops everything .gitignore lists (a test holds the two together).
	// +defaultPath="/"
	// +ignore=["*", "!dagger.json", "!go.mod", "!go.sum", "!app", "!tests", "!internal", "!terraform", "!ci", "!.github", "ci/dagger.gen.go", "ci/internal/dagger", "ci/internal/querybuilder", "ci/internal/telemetry", "**/bin", "**/.local", "**/.terraform", "**/.terraform.lock.hcl.bak", "**/*.tfstate", "**/*.tfstate.*", "**/terraform.tfstate*", "**/*.tfplan", "**/*.tfplan.json", "**/*.tfplan.binding.json"]
	source *dagger.Directory,
	// AWS access key id, e.g. env://AWS_ACCESS_KEY_ID. Needed by every step that calls AWS.
	// +optional
	awsAccessKeyID *dagger.Secret,
	// AWS secret access key, e.g. env://AWS_SECRET_ACCESS_KEY.
	// +optional
	awsSecretAccessKey *dagger.Secret,
	// AWS session token for temporary credentials (what GitHub OIDC and SSO yield), e.g. env://AWS_SESSION_TOKEN.
	// +optional
	awsSessionToken *dagger.Secret,
	// AWS region of both environments.
	// +default="eu-west-1"
	region string,
	// S3 bucket holding the Terraform state (created by the bootstrap); the CLI's own default applies when empty.
	// +optional
	stateBucket string,
	// The public key (PEM) of the test environment's attestation key, which prod requires on every image it promotes: the bootstrap's attestation_public_key_pem output.
	// +optional
	attestationPublicKey string,
) *Gangway {
	return &Gangway{
		Source:               source,
		AwsAccessKeyID:       awsAccessKeyID,
		AwsSecretAccessKey:   awsSecretAccessKey,
		AwsSessionToken:      awsSessionToken,
		Region:               region,
		StateBucket:          stateBucket,
		AttestationPublicKey: attestationPublicKey,
	}
}

// errNoCredentials says how to pass credentials to a step that calls AWS.
var errNoCredentials = errors.New("this step calls AWS: pass --aws-access-key-id env://AWS_ACCESS_KEY_ID --aws-secret-access-key env://AWS_SECRET_ACCESS_KEY (and --aws-session-token env://AWS_SESSION_TOKEN for temporary credentials) before the function name")

// withAWS gives c the credentials as secret variables (never as plain
// values, arguments or files) and the region and state bucket.
func (m *Gangway) withAWS(c *dagger.Container) (*dagger.Container, error) {
	if m.AwsAccessKeyID == nil || m.AwsSecretAccessKey == nil {
		return nil, errNoCredentials
	}
	c = c.
		WithSecretVariable("AWS_ACCESS_KEY_ID", m.AwsAccessKeyID).
		WithSecretVariable("AWS_SECRET_ACCESS_KEY", m.AwsSecretAccessKey).
		WithEnvVariable("AWS_REGION", m.Region)
	if m.AwsSessionToken != nil {
		c = c.WithSecretVariable("AWS_SESSION_TOKEN", m.AwsSessionToken)
	}
	if m.StateBucket != "" {
		c = c.WithEnvVariable("TF_STATE_BUCKET", m.StateBucket)
	}
	if m.AttestationPublicKey != "" {
		c = c.WithEnvVariable(attest.PublicKeyEnv, m.AttestationPublicKey)
	}
	return c, nil
}
