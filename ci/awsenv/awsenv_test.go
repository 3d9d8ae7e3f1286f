package awsenv

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gangway-dev/gangway/internal/components"
)

func mapenv(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestCheckIdentityAgainstMoto(t *testing.T) {
	t.Parallel()
	m := components.MotoT(t)
	cfg, err := Load(context.Background(), mapenv(map[string]string{
		"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
	}), Settings{Region: "us-east-1", Endpoint: m.Endpoint})
	if err != nil {
		t.Fatal(err)
	}
	id, err := CheckIdentity(context.Background(), cfg)
	if err != nil {
		t.Fatalf("CheckIdentity: %v", err)
	}
	if got, want := id.Account, "123456789012"; got != want {
		t.Errorf("account = %q, want %q", got, want)
	}
}

// fakeSTS answers every call the way STS answers an unknown access key.
func fakeSTS(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>1</RequestId></ErrorResponse>`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestCheckIdentityRejected(t *testing.T) {
	t.Parallel()
	cfg, err := Load(context.Background(), mapenv(map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIAINVALID", "AWS_SECRET_ACCESS_KEY": "nope",
	}), Settings{Region: "us-east-1", Endpoint: fakeSTS(t)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = CheckIdentity(context.Background(), cfg)
	var ce *CredentialsError
	if !errors.As(err, &ce) {
		t.Fatalf("CheckIdentity error = %v, want *CredentialsError", err)
	}
	if got, want := ce.Code, "InvalidClientTokenId"; got != want {
		t.Errorf("code = %q, want %q", got, want)
	}
	if !strings.Contains(err.Error(), "security token included in the request is invalid") {
		t.Errorf("error %q does not carry STS's message", err)
	}
}

func TestCheckIdentityMissing(t *testing.T) {
	// Not parallel: the SDK's default chain reads the process environment.
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	cfg, err := Load(context.Background(), mapenv(map[string]string{"AWS_EC2_METADATA_DISABLED": "true"}),
		Settings{Region: "us-east-1", Endpoint: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = CheckIdentity(context.Background(), cfg)
	var ce *CredentialsError
	if !errors.As(err, &ce) || ce.Code != "" {
		t.Fatalf("CheckIdentity error = %v, want a *CredentialsError without an STS code", err)
	}
	if !strings.Contains(err.Error(), "no usable AWS credentials") {
		t.Errorf("error = %q", err)
	}
}

func TestCheckIdentityUnreachable(t *testing.T) {
	t.Parallel()
	cfg, err := Load(context.Background(), mapenv(map[string]string{
		"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b",
	}), Settings{Region: "us-east-1", Endpoint: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = CheckIdentity(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "GetCallerIdentity") {
		t.Fatalf("CheckIdentity error = %v, want a wrapped connection error", err)
	}
}

func TestLoadNeedsRegion(t *testing.T) {
	t.Parallel()
	_, err := Load(context.Background(), mapenv(nil), FromEnv(mapenv(nil), ""))
	if !errors.Is(err, ErrNoRegion) {
		t.Fatalf("Load error = %v, want ErrNoRegion", err)
	}
}
