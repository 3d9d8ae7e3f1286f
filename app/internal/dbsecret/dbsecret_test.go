package dbsecret

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/gangway-dev/gangway/internal/components"
)

func client(m *components.Moto) *secretsmanager.Client {
	return secretsmanager.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(m.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")})
}

func TestCredentialsCacheAndRefresh(t *testing.T) {
	t.Parallel()
	m := components.MotoT(t)
	ctx := context.Background()
	c := client(m)
	out, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("db"), SecretString: aws.String(`{"username":"gangway","password":"one"}`)})
	if err != nil {
		t.Fatal(err)
	}
	s := New(c, aws.ToString(out.ARN))
	s.MinRefresh = 0
	user, pw, err := s.Credentials(ctx)
	if err != nil || user != "gangway" || pw != "one" {
		t.Fatalf("Credentials() = %q, %q, %v; want gangway, one", user, pw, err)
	}
	if _, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: out.ARN, SecretString: aws.String(`{"username":"gangway","password":"two"}`)}); err != nil {
		t.Fatal(err)
	}
	if _, pw, _ := s.Credentials(ctx); pw != "one" {
		t.Errorf("before Invalidate: password %q, want the cached one", pw)
	}
	s.Invalidate()
	if _, pw, _ := s.Credentials(ctx); pw != "two" {
		t.Errorf("after Invalidate: password %q, want the rotated one", pw)
	}

	// Within MinRefresh of a fetch, Invalidate does not call the API again.
	s.MinRefresh = time.Hour
	if _, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: out.ARN, SecretString: aws.String(`{"password":"three"}`)}); err != nil {
		t.Fatal(err)
	}
	s.Invalidate()
	if _, pw, _ := s.Credentials(ctx); pw != "two" {
		t.Errorf("invalidated right after a fetch: password %q, want the cached one", pw)
	}
}

func TestCredentialsErrorsHideTheSecret(t *testing.T) {
	t.Parallel()
	m := components.MotoT(t)
	ctx := context.Background()
	c := client(m)
	cases := []struct{ name, value, want string }{
		{"not json", "hunter2-plain", "not JSON with a non-empty password"},
		{"no password", `{"username":"u","pass":"hunter2"}`, "not JSON with a non-empty password"},
	}
	for _, tc := range cases {
		out, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(tc.name), SecretString: aws.String(tc.value)})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = New(c, aws.ToString(out.ARN)).Credentials(ctx)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: error %v, want %q without the content", tc.name, err, tc.want)
		}
	}
	_, _, err := New(c, "arn:aws:secretsmanager:us-east-1:123456789012:secret:missing").Credentials(ctx)
	if err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Errorf("missing secret: error %v, want ResourceNotFoundException", err)
	}
}
