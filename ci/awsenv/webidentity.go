package awsenv

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// Source is where a step's AWS credentials come from.
type Source int

// The credential sources a caller may be given.
const (
	// NoCredentials: nothing was given.
	NoCredentials Source = iota
	// StaticKeys: an access key id and secret, with a session token for
	// temporary credentials.
	StaticKeys
	// WebIdentity: a role to assume with an OIDC token (a GitLab ID token,
	// any OIDC provider AWS trusts), through AssumeRoleWithWebIdentity.
	WebIdentity
)

// Given says which credential inputs a caller holds (the Dagger module's
// constructor arguments); Source picks the one source they make up.
type Given struct {
	AccessKeyID, SecretAccessKey, SessionToken bool
	RoleARN, WebIdentityToken                  bool
}

// ErrMixedCredentials is returned by Given.Source when both static keys and
// a web identity are given: which one a step would use would depend on the
// tool (the AWS SDK prefers the keys), so neither is chosen.
var ErrMixedCredentials = errors.New("both static AWS keys (--aws-access-key-id, --aws-secret-access-key, --aws-session-token) and a web identity (--aws-role-arn, --aws-web-identity-token) were given: pass one of the two")

// Source returns the credential source g makes up: NoCredentials when
// nothing is given, StaticKeys for an id and a secret (and an optional
// session token), WebIdentity for a role and a token. Anything else is an
// error that says what is missing: half a pair, or both kinds at once
// (ErrMixedCredentials).
func (g Given) Source() (Source, error) {
	keys := g.AccessKeyID || g.SecretAccessKey || g.SessionToken
	web := g.RoleARN || g.WebIdentityToken
	switch {
	case keys && web:
		return NoCredentials, ErrMixedCredentials
	case web && !g.RoleARN:
		return NoCredentials, errors.New("a web identity token without the role to assume: pass --aws-role-arn too")
	case web && !g.WebIdentityToken:
		return NoCredentials, errors.New("a role to assume without a web identity token: pass --aws-web-identity-token env://NAME (the CI system's OIDC token) too")
	case web:
		return WebIdentity, nil
	case keys && (!g.AccessKeyID || !g.SecretAccessKey):
		return NoCredentials, errors.New("static AWS keys need both --aws-access-key-id and --aws-secret-access-key (a session token alone is no credential)")
	case keys:
		return StaticKeys, nil
	}
	return NoCredentials, nil
}

// SessionName is the role session name of a web identity assumed by the
// pipeline (AWS_ROLE_SESSION_NAME): CloudTrail shows it beside the role.
const SessionName = "gangway"

// token is an OIDC token held in memory.
type token []byte

func (t token) GetIdentityToken() ([]byte, error) { return t, nil }

var _ stscreds.IdentityTokenRetriever = token(nil)

// AssumeWebIdentity returns a configuration whose credentials come from
// assuming roleARN with an OIDC token held in memory
// (AssumeRoleWithWebIdentity, which needs no credentials of its own), for
// code that has the token itself rather than a file: the Dagger module's
// in-process ECR login. Processes get the same from the SDK's default chain
// (AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE, see Load). The role is
// assumed here, so that a token STS rejects fails first, as a
// *CredentialsError carrying STS's code (InvalidIdentityToken, AccessDenied).
func AssumeWebIdentity(ctx context.Context, s Settings, roleARN string, oidcToken []byte) (aws.Config, error) {
	if roleARN == "" || len(oidcToken) == 0 {
		return aws.Config{}, errors.New("assuming a web identity needs a role ARN and a token")
	}
	cfg, err := Load(ctx, func(string) string { return "" }, s)
	if err != nil {
		return aws.Config{}, err
	}
	// The STS call itself is unsigned.
	cfg.Credentials = aws.AnonymousCredentials{}
	provider := stscreds.NewWebIdentityRoleProvider(sts.NewFromConfig(cfg), roleARN, token(oidcToken),
		func(o *stscreds.WebIdentityRoleOptions) { o.RoleSessionName = SessionName })
	cfg.Credentials = aws.NewCredentialsCache(provider)
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		ce := &CredentialsError{Err: fmt.Errorf("assuming %s with the web identity token: %w", roleARN, err)}
		var ae smithy.APIError
		if errors.As(err, &ae) {
			ce.Code, ce.Message = ae.ErrorCode(), ae.ErrorMessage()
		}
		return aws.Config{}, ce
	}
	return cfg, nil
}
