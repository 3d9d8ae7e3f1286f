package ghapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// defaultAPI is GitHub's REST API; GITHUB_API_URL says otherwise on GHES.
const defaultAPI = "https://api.github.com"

// Client calls the GitHub REST API with a token.
type Client struct {
	// API is the base URL (defaultAPI, or a fake in tests).
	API   string
	Token string
	HTTP  *http.Client
}

var repoRE = regexp.MustCompile(`^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$`)

// APIError is a non-2xx answer.
type APIError struct {
	Method, Path string
	Status       int
	Message      string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("GitHub API %s %s: %d %s", e.Method, e.Path, e.Status, e.Message)
}

func (c Client) do(ctx context.Context, method, path string, body, v any) error {
	base := c.API
	if base == "" {
		base = defaultAPI
	}
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(base, "/")+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("GitHub API %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("GitHub API %s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var m struct{ Message string }
		_ = json.Unmarshal(data, &m)
		return &APIError{Method: method, Path: path, Status: resp.StatusCode, Message: m.Message}
	}
	if v == nil {
		return nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("GitHub API %s %s: decoding the answer: %w", method, path, err)
	}
	return nil
}

func checkRepo(repo string) error {
	if !repoRE.MatchString(repo) {
		return fmt.Errorf("repository %q: want OWNER/REPO (e.g. $GITHUB_REPOSITORY)", repo)
	}
	return nil
}

func escape(s string) string { return url.PathEscape(s) }
