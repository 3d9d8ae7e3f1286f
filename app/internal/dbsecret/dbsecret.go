// Package dbsecret reads the database login from an AWS Secrets Manager
// secret holding JSON {"username": …, "password": …}, the shape that RDS
// creates for manage_master_user_password. It caches the login and fetches
// it again after Invalidate, at most once per MinRefresh, so that a rotated
// password is picked up without hammering the API when a login keeps failing.
package dbsecret

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
)

// GetSecretValueAPI is the one Secrets Manager call this package makes.
type GetSecretValueAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

var _ GetSecretValueAPI = (*secretsmanager.Client)(nil)

// Source is a cached database login read from one secret.
type Source struct {
	api GetSecretValueAPI
	arn string
	// MinRefresh is the least time between two fetches after Invalidate
	// (default 2s).
	MinRefresh time.Duration

	mu       sync.Mutex
	user     string
	password string
	valid    bool
	fetched  time.Time
}

// New returns a Source for the secret arn (an ARN or a name).
func New(api GetSecretValueAPI, arn string) *Source {
	return &Source{api: api, arn: arn, MinRefresh: 2 * time.Second}
}

// Credentials returns the cached login, fetching it first when there is none
// or it was invalidated. Errors name the secret but never its content.
func (s *Source) Credentials(ctx context.Context) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.valid {
		return s.user, s.password, nil
	}
	if !s.fetched.IsZero() && time.Since(s.fetched) < s.MinRefresh && s.password != "" {
		// Just fetched: a second login failure right away means the secret
		// has not changed yet; reuse it rather than call the API again.
		return s.user, s.password, nil
	}
	user, password, err := s.fetch(ctx)
	s.fetched = time.Now()
	if err != nil {
		return "", "", err
	}
	s.user, s.password, s.valid = user, password, true
	return user, password, nil
}

// Invalidate makes the next Credentials call fetch the secret again.
func (s *Source) Invalidate() {
	s.mu.Lock()
	s.valid = false
	s.mu.Unlock()
}

func (s *Source) fetch(ctx context.Context) (string, string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := s.api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(s.arn)})
	if err != nil {
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) {
			return "", "", fmt.Errorf("reading secret %s: %s", s.arn, apiErr.ErrorCode())
		}
		return "", "", fmt.Errorf("reading secret %s: %w", s.arn, err)
	}
	if out.SecretString == nil {
		return "", "", fmt.Errorf("secret %s has no string value; want JSON with username and password", s.arn)
	}
	var v struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := json.Unmarshal([]byte(*out.SecretString), &v); err != nil || v.Password == "" {
		// Never quote the content: it is a secret.
		return "", "", fmt.Errorf("secret %s is not JSON with a non-empty password (and optional username)", s.arn)
	}
	return v.Username, v.Password, nil
}
