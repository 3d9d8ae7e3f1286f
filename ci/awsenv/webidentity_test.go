package awsenv

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gangway-dev/gangway/internal/components"
)

// A GitLab ID token's shape (header.payload.signature). moto accepts any
// token in AssumeRoleWithWebIdentity without validating it; AWS would check
// the signature against the OIDC provider, the audience and the trust
// policy, which no test here can.
const oidcToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwcm9qZWN0X3BhdGg6Z3JvdXAvZ2FuZ3dheTpyZWZfdHlwZTpicmFuY2g6cmVmOmRldmVsb3AiLCJhdWQiOiJzdHMuYW1hem9uYXdzLmNvbSJ9.c2lnbmF0dXJl"

const testRole = "arn:aws:iam::123456789012:role/gangway-test-deploy"

// TestWebIdentityFromEnvironment is the pipeline CLI's path in a GitLab job
// and in the Dagger module's containers: no keys, only AWS_ROLE_ARN and
// AWS_WEB_IDENTITY_TOKEN_FILE (and the session name). The SDK's default
// chain assumes the role against moto_server, and STS names the assumed
// role.
func TestWebIdentityFromEnvironment(t *testing.T) {
	// Not parallel: the SDK's default chain reads the process environment.
	m := components.MotoT(t)
	clearCredentialEnv(t)
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(oidcToken), 0o400); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ROLE_ARN", testRole)
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile)
	t.Setenv("AWS_ROLE_SESSION_NAME", SessionName)
	cfg, err := Load(context.Background(), mapenv(map[string]string{"AWS_EC2_METADATA_DISABLED": "true"}),
		Settings{Region: "us-east-1", Endpoint: m.Endpoint})
	if err != nil {
		t.Fatal(err)
	}
	id, err := CheckIdentity(context.Background(), cfg)
	if err != nil {
		t.Fatalf("CheckIdentity: %v", err)
	}
	if got, want := id.ARN, "arn:aws:sts::123456789012:assumed-role/gangway-test-deploy/"+SessionName; got != want {
		t.Errorf("identity = %q, want %q (the assumed role)", got, want)
	}
}

// TestWebIdentityFromGetenv is the local flow's in-process steps: the role
// and the token file come through getenv, not the process environment
// (which the SDK's default chain would read).
func TestWebIdentityFromGetenv(t *testing.T) {
	t.Parallel()
	m := components.MotoT(t)
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(oidcToken), 0o400); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(context.Background(), mapenv(map[string]string{
		"AWS_ROLE_ARN":                testRole,
		"AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile,
		"AWS_ROLE_SESSION_NAME":       "local-flow",
		"AWS_EC2_METADATA_DISABLED":   "true",
	}), Settings{Region: "us-east-1", Endpoint: m.Endpoint})
	if err != nil {
		t.Fatal(err)
	}
	id, err := CheckIdentity(context.Background(), cfg)
	if err != nil {
		t.Fatalf("CheckIdentity: %v", err)
	}
	if got, want := id.ARN, "arn:aws:sts::123456789012:assumed-role/gangway-test-deploy/local-flow"; got != want {
		t.Errorf("identity = %q, want %q (the role from getenv)", got, want)
	}
}

// clearCredentialEnv leaves the SDK's default chain nothing but what a test
// sets.
func clearCredentialEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_SESSION_NAME", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
}

// TestAssumeWebIdentityAgainstMoto is the module's in-process path (its ECR
// login): the token in memory, never in a file or the environment.
func TestAssumeWebIdentityAgainstMoto(t *testing.T) {
	t.Parallel()
	m := components.MotoT(t)
	cfg, err := AssumeWebIdentity(context.Background(), Settings{Region: "us-east-1", Endpoint: m.Endpoint}, testRole, []byte(oidcToken))
	if err != nil {
		t.Fatalf("AssumeWebIdentity: %v", err)
	}
	id, err := CheckIdentity(context.Background(), cfg)
	if err != nil {
		t.Fatalf("CheckIdentity: %v", err)
	}
	if got, want := id.ARN, "arn:aws:sts::123456789012:assumed-role/gangway-test-deploy/"+SessionName; got != want {
		t.Errorf("identity = %q, want %q", got, want)
	}
}

// TestAssumeWebIdentityRejected: STS's refusal (here a fake STS answering
// as AWS does for a token from an untrusted issuer) comes back with STS's
// code and never with the token.
func TestAssumeWebIdentityRejected(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Form.Get("Action") != "AssumeRoleWithWebIdentity" || r.Header.Get("Authorization") != "" {
			t.Errorf("want an unsigned AssumeRoleWithWebIdentity, got %q (Authorization %q)", r.Form.Get("Action"), r.Header.Get("Authorization"))
		}
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>No OpenIDConnect provider found in your account for https://gitlab.com</Message></Error><RequestId>1</RequestId></ErrorResponse>`))
	}))
	t.Cleanup(srv.Close)
	_, err := AssumeWebIdentity(context.Background(), Settings{Region: "us-east-1", Endpoint: srv.URL}, testRole, []byte(oidcToken))
	var ce *CredentialsError
	if !errors.As(err, &ce) || ce.Code != "InvalidIdentityToken" {
		t.Fatalf("AssumeWebIdentity error = %v, want a *CredentialsError with STS's code", err)
	}
	if strings.Contains(err.Error(), oidcToken) {
		t.Errorf("the error carries the token: %v", err)
	}
}

func TestAssumeWebIdentityNeedsRoleAndToken(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		role  string
		token []byte
	}{{"", []byte(oidcToken)}, {testRole, nil}} {
		if _, err := AssumeWebIdentity(context.Background(), Settings{Region: "us-east-1", Endpoint: "http://127.0.0.1:1"}, c.role, c.token); err == nil {
			t.Errorf("AssumeWebIdentity(%q, %d bytes) succeeded", c.role, len(c.token))
		}
	}
}

func TestGivenSource(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		given   Given
		want    Source
		wantErr string
	}{
		{"nothing", Given{}, NoCredentials, ""},
		{"keys", Given{AccessKeyID: true, SecretAccessKey: true}, StaticKeys, ""},
		{"temporary keys", Given{AccessKeyID: true, SecretAccessKey: true, SessionToken: true}, StaticKeys, ""},
		{"web identity", Given{RoleARN: true, WebIdentityToken: true}, WebIdentity, ""},
		{"both", Given{AccessKeyID: true, SecretAccessKey: true, RoleARN: true, WebIdentityToken: true}, NoCredentials, "pass one of the two"},
		{"session token and web identity", Given{SessionToken: true, RoleARN: true, WebIdentityToken: true}, NoCredentials, "pass one of the two"},
		{"role without token", Given{RoleARN: true}, NoCredentials, "--aws-web-identity-token"},
		{"token without role", Given{WebIdentityToken: true}, NoCredentials, "--aws-role-arn"},
		{"id without secret", Given{AccessKeyID: true}, NoCredentials, "--aws-secret-access-key"},
		{"session token alone", Given{SessionToken: true}, NoCredentials, "--aws-access-key-id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.given.Source()
			if got != c.want {
				t.Errorf("Source() = %v, want %v", got, c.want)
			}
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("Source() error = %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Errorf("Source() error = %v, want one mentioning %q", err, c.wantErr)
			}
		})
	}
	if _, err := (Given{AccessKeyID: true, SecretAccessKey: true, WebIdentityToken: true, RoleARN: true}).Source(); !errors.Is(err, ErrMixedCredentials) {
		t.Errorf("mixed credentials: error %v, want ErrMixedCredentials", err)
	}
}
