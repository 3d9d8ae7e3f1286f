package ssmrun

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// NewClient returns an SSM client from the default AWS configuration chain
// (environment, shared files, web identity for GitHub OIDC). It honours
// AWS_ENDPOINT_URL, which points it at an emulator in tests.
func NewClient(ctx context.Context, region string) (*ssm.Client, error) {
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("no AWS region: pass --region or set AWS_REGION")
	}
	return ssm.NewFromConfig(cfg), nil
}
