package registry

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
)

// ECRAPI is the part of the ECR API this package calls.
type ECRAPI interface {
	GetAuthorizationToken(context.Context, *ecr.GetAuthorizationTokenInput, ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error)
	BatchGetImage(context.Context, *ecr.BatchGetImageInput, ...func(*ecr.Options)) (*ecr.BatchGetImageOutput, error)
	PutImage(context.Context, *ecr.PutImageInput, ...func(*ecr.Options)) (*ecr.PutImageOutput, error)
	DescribeImages(context.Context, *ecr.DescribeImagesInput, ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error)
}

var _ ECRAPI = (*ecr.Client)(nil)

// Auth is a registry login. Password is a secret: never print or log it.
type Auth struct {
	// Registry is the registry host, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com.
	Registry  string
	Username  string
	Password  string
	ExpiresAt time.Time
}

// String hides the password, so that an Auth printed by mistake leaks nothing.
func (a Auth) String() string { return fmt.Sprintf("{%s %s ****}", a.Registry, a.Username) }

// ECRLogin returns push credentials for the account's default registry
// (GetAuthorizationToken: a base64 "user:password" token valid 12 hours).
func ECRLogin(ctx context.Context, api ECRAPI) (Auth, error) {
	out, err := api.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		return Auth{}, fmt.Errorf("ECR GetAuthorizationToken: %w", err)
	}
	if len(out.AuthorizationData) == 0 {
		return Auth{}, errors.New("ECR GetAuthorizationToken returned no authorization data")
	}
	d := out.AuthorizationData[0]
	raw, err := base64.StdEncoding.DecodeString(aws.ToString(d.AuthorizationToken))
	if err != nil {
		return Auth{}, errors.New("ECR authorization token is not base64") // never echo the token
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok || user == "" || pass == "" {
		return Auth{}, errors.New("ECR authorization token is not user:password")
	}
	host := aws.ToString(d.ProxyEndpoint)
	if u, err := url.Parse(host); err == nil && u.Host != "" {
		host = u.Host
	}
	return Auth{Registry: host, Username: user, Password: pass, ExpiresAt: aws.ToTime(d.ExpiresAt)}, nil
}

var ecrHostRE = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?$`)

// ecrRegistryID returns the account id of an ECR registry host, or "" for
// any other host (the ECR API then uses the caller's default registry).
func ecrRegistryID(host string) string {
	if m := ecrHostRE.FindStringSubmatch(host); m != nil {
		return m[1]
	}
	return ""
}

// IsECRHost reports whether host is an ECR private registry.
func IsECRHost(host string) bool { return ecrRegistryID(host) != "" }
