// Gangway: ship a Go web service from a merged pull request to production on AWS.
//
// The module builds the service image once from app/Containerfile, plans and
// applies the Terraform of an environment, pushes the image to the
// environment's ECR repository, rolls it out on the EC2 hosts through SSM Run
// Command, runs the integration suite against it, and promotes the very
// digest that passed from test to prod. The deploy sequence is the same Go
// code that `pipeline-local` runs (ci/deploy); here each step runs the
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
//
// and from a CI system with OIDC (a GitLab job's ID token), the role to
// assume and the token instead of keys:
//
//	dagger call --aws-role-arn "$AWS_ROLE_ARN" \
//	  --aws-web-identity-token env://GITLAB_OIDC_TOKEN ...
package main

import (
	"errors"

	"github.com/gangway-dev/gangway/ci/attest"
	"github.com/gangway-dev/gangway/ci/awsenv"
	"github.com/gangway-dev/gangway/ci/internal/dagger"
)

// Images the module runs: Terraform pinned to the release the configuration
// is tested with, Go to the patch release of the go.mod files. Bump them
// deliberately (a test holds goImage to the go.mod files).
const (
	goImage        = "golang:1.26.11-bookworm"
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
	// Or a role assumed with an OIDC token (AssumeRoleWithWebIdentity).
	AwsRoleArn          string         // +private
	AwsWebIdentityToken *dagger.Secret // +private
	Region              string         // +private
	StateBucket         string         // +private
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
	// Instead of keys: the ARN of the role to assume with --aws-web-identity-token (a CI system's OIDC federation, e.g. a GitLab job's ID token).
	// +optional
	awsRoleArn string,
	// The OIDC token to assume --aws-role-arn with, e.g. env://GITLAB_OIDC_TOKEN (a GitLab id_tokens entry with aud sts.amazonaws.com). Mounted as a file in the steps' containers, never an argument or a variable.
	// +optional
	awsWebIdentityToken *dagger.Secret,
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
		AwsRoleArn:           awsRoleArn,
		AwsWebIdentityToken:  awsWebIdentityToken,
		Region:               region,
		StateBucket:          stateBucket,
		AttestationPublicKey: attestationPublicKey,
	}
}

// errNoCredentials says how to pass credentials to a step that calls AWS.
var errNoCredentials = errors.New("this step calls AWS: before the function name, pass either keys, --aws-access-key-id env://AWS_ACCESS_KEY_ID --aws-secret-access-key env://AWS_SECRET_ACCESS_KEY (and --aws-session-token env://AWS_SESSION_TOKEN for temporary credentials), or a role to assume with an OIDC token, --aws-role-arn ARN --aws-web-identity-token env://GITLAB_OIDC_TOKEN")

// Where a web identity token is mounted in the steps' containers.
const webIdentityTokenPath = "/run/secrets/gangway-aws-web-identity-token"

// credentialSource is the one source of AWS credentials the constructor
// was given (keys, or a role and a token; never both).
func (m *Gangway) credentialSource() (awsenv.Source, error) {
	src, err := awsenv.Given{
		AccessKeyID: m.AwsAccessKeyID != nil, SecretAccessKey: m.AwsSecretAccessKey != nil, SessionToken: m.AwsSessionToken != nil,
		RoleARN: m.AwsRoleArn != "", WebIdentityToken: m.AwsWebIdentityToken != nil,
	}.Source()
	if err != nil {
		return src, err
	}
	if src == awsenv.NoCredentials {
		return src, errNoCredentials
	}
	return src, nil
}

// withAWS gives c the credentials (never as plain values, arguments or
// files in a layer) and the region and state bucket. Keys are secret
// variables. A web identity is the role's ARN and the token mounted as a
// secret file, the variables the AWS SDK's default chain (the pipeline CLI)
// and terraform's AWS provider both read to assume the role themselves.
func (m *Gangway) withAWS(c *dagger.Container) (*dagger.Container, error) {
	src, err := m.credentialSource()
	if err != nil {
		return nil, err
	}
	switch src {
	case awsenv.WebIdentity:
		c = c.
			WithMountedSecret(webIdentityTokenPath, m.AwsWebIdentityToken).
			WithEnvVariable("AWS_WEB_IDENTITY_TOKEN_FILE", webIdentityTokenPath).
			WithEnvVariable("AWS_ROLE_ARN", m.AwsRoleArn).
			WithEnvVariable("AWS_ROLE_SESSION_NAME", awsenv.SessionName)
	default:
		c = c.
			WithSecretVariable("AWS_ACCESS_KEY_ID", m.AwsAccessKeyID).
			WithSecretVariable("AWS_SECRET_ACCESS_KEY", m.AwsSecretAccessKey)
		if m.AwsSessionToken != nil {
			c = c.WithSecretVariable("AWS_SESSION_TOKEN", m.AwsSessionToken)
		}
	}
	c = c.WithEnvVariable("AWS_REGION", m.Region)
	if m.StateBucket != "" {
		c = c.WithEnvVariable("TF_STATE_BUCKET", m.StateBucket)
	}
	if m.AttestationPublicKey != "" {
		c = c.WithEnvVariable(attest.PublicKeyEnv, m.AttestationPublicKey)
	}
	return c, nil
}
