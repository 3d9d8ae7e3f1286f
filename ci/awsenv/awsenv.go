package awsenv

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// Getenv reads one environment variable; os.Getenv in production, a map in tests.
type Getenv func(string) string

// Settings are the AWS settings of one step, read from flags and environment.
type Settings struct {
	// Region is the AWS region; required.
	Region string
	// Endpoint overrides every service endpoint (AWS_ENDPOINT_URL), for an
	// emulator such as moto_server. Empty means the real AWS endpoints.
	Endpoint string
}

// FromEnv returns Settings from AWS_REGION (then AWS_DEFAULT_REGION) and
// AWS_ENDPOINT_URL. region, when not empty, wins over the environment.
func FromEnv(getenv Getenv, region string) Settings {
	if region == "" {
		region = getenv("AWS_REGION")
	}
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	return Settings{Region: region, Endpoint: getenv("AWS_ENDPOINT_URL")}
}

// Emulated reports whether the settings point at an emulator, where S3 needs
// path-style addressing (bucket names do not resolve as host names there).
func (s Settings) Emulated() bool { return s.Endpoint != "" }

// ErrNoRegion is returned by Load when no region is set.
var ErrNoRegion = errors.New("no AWS region: set --region or AWS_REGION")

// Load builds an aws.Config. Static credentials come from AWS_ACCESS_KEY_ID /
// AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN through getenv when set;
// otherwise a web identity when getenv gives both AWS_ROLE_ARN and
// AWS_WEB_IDENTITY_TOKEN_FILE (the role assumed with the token read from
// that file, session AWS_ROLE_SESSION_NAME or SessionName), as a GitLab
// job, the Dagger module or the local flow's in-process steps set them;
// otherwise the SDK's default chain applies (profiles, instance roles),
// which reads the process environment, not getenv.
// AWS_EC2_METADATA_DISABLED=true turns the instance metadata lookup off.
func Load(ctx context.Context, getenv Getenv, s Settings) (aws.Config, error) {
	if s.Region == "" {
		return aws.Config{}, ErrNoRegion
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRegion(s.Region),
		// Fail fast instead of retrying a rejected credential for seconds.
		config.WithRetryMaxAttempts(3),
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(60 * time.Second)),
	}
	if s.Endpoint != "" {
		opts = append(opts, config.WithBaseEndpoint(s.Endpoint))
	}
	if id := getenv("AWS_ACCESS_KEY_ID"); id != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(
			id, getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN"))))
	}
	if getenv("AWS_EC2_METADATA_DISABLED") == "true" {
		opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading AWS configuration: %w", err)
	}
	role, tokenFile := getenv("AWS_ROLE_ARN"), getenv("AWS_WEB_IDENTITY_TOKEN_FILE")
	if getenv("AWS_ACCESS_KEY_ID") == "" && role != "" && tokenFile != "" {
		session := cmp.Or(getenv("AWS_ROLE_SESSION_NAME"), SessionName)
		// The STS call itself is unsigned.
		anonymous := cfg.Copy()
		anonymous.Credentials = aws.AnonymousCredentials{}
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewWebIdentityRoleProvider(sts.NewFromConfig(anonymous), role,
			stscreds.IdentityTokenFile(tokenFile), func(o *stscreds.WebIdentityRoleOptions) { o.RoleSessionName = session }))
	}
	return cfg, nil
}

// Identity is who the credentials belong to.
type Identity struct {
	Account string `json:"account"`
	ARN     string `json:"arn"`
}

// CredentialsError reports credentials that are missing or that STS rejected.
// Code and Message are STS's own (for example InvalidClientTokenId) when STS
// answered.
type CredentialsError struct {
	Code    string
	Message string
	Err     error
}

func (e *CredentialsError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("AWS credentials rejected by STS: %s: %s (check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN or the role you assume)", e.Code, e.Message)
	}
	return fmt.Sprintf("no usable AWS credentials: %v (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, or a web identity: AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE)", e.Err)
}

func (e *CredentialsError) Unwrap() error { return e.Err }

// CheckIdentity calls STS GetCallerIdentity, the one call every credential
// may make, and returns a *CredentialsError when the credentials are missing
// or rejected; other failures (an unreachable endpoint) are wrapped as they are.
func CheckIdentity(ctx context.Context, cfg aws.Config) (Identity, error) {
	if cfg.Credentials == nil {
		return Identity{}, &CredentialsError{Err: errors.New("no credential provider")}
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return Identity{}, &CredentialsError{Err: err}
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return Identity{}, &CredentialsError{Code: ae.ErrorCode(), Message: ae.ErrorMessage(), Err: err}
		}
		return Identity{}, fmt.Errorf("calling STS GetCallerIdentity: %w", err)
	}
	return Identity{Account: aws.ToString(out.Account), ARN: aws.ToString(out.Arn)}, nil
}
