package tf

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// BootstrapResult says what Bootstrap found and did.
type BootstrapResult struct {
	Bucket  string `json:"bucket"`
	Region  string `json:"region"`
	Created bool   `json:"created"`
}

// DefaultStateBucket is the state bucket name used when none is given:
// bucket names are global, so it carries the account and region.
func DefaultStateBucket(account, region string) string {
	return fmt.Sprintf("gangway-tfstate-%s-%s", account, region)
}

// Bootstrap makes sure the state bucket exists with versioning (state
// history), default encryption and all public access blocked. Running it
// again changes nothing but re-asserts those settings.
func Bootstrap(ctx context.Context, client *s3.Client, bucket, region string) (*BootstrapResult, error) {
	res := &BootstrapResult{Bucket: bucket, Region: region}
	_, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	var nf *types.NotFound
	switch {
	case err == nil:
	case errors.As(err, &nf):
		in := &s3.CreateBucketInput{Bucket: aws.String(bucket)}
		// us-east-1 is the one region that refuses a location constraint.
		if region != "us-east-1" {
			in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(region)}
		}
		if _, err := client.CreateBucket(ctx, in); err != nil {
			var owned *types.BucketAlreadyOwnedByYou
			if !errors.As(err, &owned) {
				return nil, fmt.Errorf("creating state bucket %s: %w", bucket, err)
			}
		} else {
			res.Created = true
		}
	default:
		return nil, fmt.Errorf("checking state bucket %s (is the name taken by another account?): %w", bucket, err)
	}
	if _, err := client.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket:                  aws.String(bucket),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled},
	}); err != nil {
		return nil, fmt.Errorf("enabling versioning on %s: %w", bucket, err)
	}
	if _, err := client.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{
		Bucket: aws.String(bucket),
		ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAes256},
		}}},
	}); err != nil {
		return nil, fmt.Errorf("enabling encryption on %s: %w", bucket, err)
	}
	if _, err := client.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{
		Bucket: aws.String(bucket),
		PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{
			BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true),
			BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true),
		},
	}); err != nil {
		return nil, fmt.Errorf("blocking public access on %s: %w", bucket, err)
	}
	return res, nil
}

// HostVars are the variables of the calling process that terraform needs
// from its host whatever account it works in: where programs, home and
// temporary files are, the plugin cache, and TLS and proxy settings. Its
// credentials and AWS settings are each caller's own, never inherited.
var HostVars = []string{
	"PATH", "HOME", "TMPDIR", "USER", "LANG",
	"TF_PLUGIN_CACHE_DIR", "TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE",
	"SSL_CERT_FILE", "SSL_CERT_DIR", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
}
