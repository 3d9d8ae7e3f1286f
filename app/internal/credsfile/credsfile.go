// Package credsfile provides AWS credentials from a JSON file that another
// process keeps fresh. On a host the app container runs on a bridge network
// and cannot reach the instance role (IMDS hop limit 1); the host's
// gangway-app-credentials service writes narrow temporary credentials
// instead, as `aws sts assume-role --query Credentials --output json`
// prints them, and replaces the file every 15 minutes. The file is read
// again whenever the cached credentials near their expiry (NewProvider).
package credsfile

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// EnvVar names the file for the app (set by the rollout script).
const EnvVar = "APP_AWS_CREDENTIALS_FILE"

// ExpiryWindow is how long before their expiry cached credentials are
// read again: the host writes a file of one hour every 15 minutes, so a
// re-read always finds credentials with most of their hour left.
const ExpiryWindow = 5 * time.Minute

// File is the shape of the file: STS's Credentials object.
type File struct {
	AccessKeyID     string    `json:"AccessKeyId"`
	SecretAccessKey string    `json:"SecretAccessKey"`
	SessionToken    string    `json:"SessionToken"`
	Expiration      time.Time `json:"Expiration"`
}

// Source reads the file at every Retrieve. Use NewProvider, which caches.
type Source struct {
	Path string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// NewProvider returns a cached provider over the file at path.
func NewProvider(path string) aws.CredentialsProvider {
	return aws.NewCredentialsCache(Source{Path: path}, func(o *aws.CredentialsCacheOptions) {
		o.ExpiryWindow = ExpiryWindow
	})
}

// Retrieve reads the file. Its errors name the file and the field, never a
// value.
func (s Source) Retrieve(context.Context) (aws.Credentials, error) {
	raw, err := os.ReadFile(s.Path)
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("reading the app's AWS credentials (%s, written by the host's gangway-app-credentials service): %w", s.Path, err)
	}
	var f File
	if err := json.Unmarshal(raw, &f); err != nil {
		// The JSON error could quote the file; say only where it is.
		return aws.Credentials{}, fmt.Errorf("the app's AWS credentials file %s is not STS credentials JSON (AccessKeyId, SecretAccessKey, SessionToken, Expiration)", s.Path)
	}
	for _, field := range []struct{ name, value string }{
		{"AccessKeyId", f.AccessKeyID}, {"SecretAccessKey", f.SecretAccessKey}, {"SessionToken", f.SessionToken},
	} {
		if field.value == "" {
			return aws.Credentials{}, fmt.Errorf("the app's AWS credentials file %s has no %s", s.Path, field.name)
		}
	}
	if f.Expiration.IsZero() {
		return aws.Credentials{}, fmt.Errorf("the app's AWS credentials file %s has no Expiration", s.Path)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	if !f.Expiration.After(now()) {
		return aws.Credentials{}, fmt.Errorf("the app's AWS credentials in %s expired at %s: the host refreshes them every 15 minutes (systemctl status gangway-app-credentials.timer)",
			s.Path, f.Expiration.UTC().Format(time.RFC3339))
	}
	return aws.Credentials{
		AccessKeyID:     f.AccessKeyID,
		SecretAccessKey: f.SecretAccessKey,
		SessionToken:    f.SessionToken,
		Source:          "credsfile " + s.Path,
		CanExpire:       true,
		Expires:         f.Expiration,
	}, nil
}
