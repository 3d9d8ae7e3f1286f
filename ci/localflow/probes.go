package localflow

// The HTTP probes the flow makes of a deployed service, through its load
// balancer over TLS, as a user would: records written before a deploy and
// read back after it, and the smoke check. The load loop is
// ci/localworld/loadgen, shared with the rollout tests.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// createRecords writes n records through the service and returns their
// names, to be read back after a rollout.
func createRecords(ctx context.Context, client *http.Client, baseURL, version string, n int) ([]string, error) {
	var markers []string
	for i := range n {
		marker := fmt.Sprintf("before-rollout-%s-%d-%d", version, time.Now().UnixNano(), i)
		body, _ := json.Marshal(map[string]string{"name": marker, "description": "written before a production rollout"})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/db/create", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return nil, fmt.Errorf("POST /db/create: status %d", resp.StatusCode)
		}
		markers = append(markers, marker)
	}
	return markers, nil
}

// readBack counts how many of the markers /db/read returns.
func readBack(ctx context.Context, client *http.Client, baseURL string, markers []string) (int, error) {
	var page struct {
		Records []struct {
			Name string `json:"name"`
		} `json:"records"`
	}
	if err := getJSON(ctx, client, baseURL+"/db/read?limit=100", http.StatusOK, &page); err != nil {
		return 0, err
	}
	seen := map[string]bool{}
	for _, r := range page.Records {
		seen[r.Name] = true
	}
	kept := 0
	for _, m := range markers {
		if seen[m] {
			kept++
		}
	}
	return kept, nil
}

// smokeCheck asks the new version for /health (with the right version) and
// /db/status.
func smokeCheck(ctx context.Context, client *http.Client, baseURL, version string) error {
	var health struct {
		Status, Version string
	}
	if err := getJSON(ctx, client, baseURL+"/health", http.StatusOK, &health); err != nil {
		return err
	}
	if health.Version != version {
		return fmt.Errorf("/health reports version %q, want %q", health.Version, version)
	}
	var db struct{ Status string }
	if err := getJSON(ctx, client, baseURL+"/db/status", http.StatusOK, &db); err != nil {
		return err
	}
	if db.Status != "connected" {
		return fmt.Errorf("/db/status reports %q", db.Status)
	}
	return nil
}

// getJSON GETs url, requires the status want, and decodes the body into v.
func getJSON(ctx context.Context, client *http.Client, url string, want int, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		return fmt.Errorf("GET %s: status %d, want %d", url, resp.StatusCode, want)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}
