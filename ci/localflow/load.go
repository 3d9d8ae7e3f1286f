package localflow

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"
)

// LoadResult is what a steady request loop saw.
type LoadResult struct {
	Requests int `json:"requests"`
	Failed   int `json:"failed"`
	// Errors holds up to ten distinct failure messages.
	Errors  []string `json:"errors,omitempty"`
	Seconds float64  `json:"seconds"`
	// Rate is requests per second over the whole loop.
	Rate float64 `json:"rate"`
	// Versions counts responses by the version that /health reported.
	Versions map[string]int `json:"versions"`
	P50Ms    float64        `json:"p50_ms"`
	P99Ms    float64        `json:"p99_ms"`
}

// LoadLoop sends GET /health to url with a fixed number of workers until
// Stop is called or maxDuration passes. A request fails on a transport error
// or any status other than 200.
type LoadLoop struct {
	cancel context.CancelFunc
	done   chan struct{}
	result LoadResult
}

// StartLoad starts the loop against baseURL with workers concurrent clients
// sharing transport (nil: http.DefaultTransport).
func StartLoad(baseURL string, transport http.RoundTripper, workers int, maxDuration time.Duration) *LoadLoop {
	ctx, cancel := context.WithTimeout(context.Background(), maxDuration)
	l := &LoadLoop{cancel: cancel, done: make(chan struct{})}
	client := &http.Client{Timeout: 5 * time.Second, Transport: transport}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      = map[string]bool{}
		wg        sync.WaitGroup
	)
	l.result.Versions = map[string]int{}
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				t0 := time.Now()
				version, err := getHealth(ctx, client, baseURL)
				if ctx.Err() != nil {
					return // the loop ended mid-request: not the service's fault
				}
				mu.Lock()
				l.result.Requests++
				if err != nil {
					l.result.Failed++
					if len(errs) < 10 {
						errs[err.Error()] = true
					}
				} else {
					l.result.Versions[version]++
					latencies = append(latencies, time.Since(t0))
				}
				mu.Unlock()
				// A steady rate, not a flood: about 200 requests per second per worker at most.
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	go func() {
		wg.Wait()
		l.result.Seconds = time.Since(start).Seconds()
		if l.result.Seconds > 0 {
			l.result.Rate = float64(l.result.Requests) / l.result.Seconds
		}
		for e := range errs {
			l.result.Errors = append(l.result.Errors, e)
		}
		sort.Strings(l.result.Errors)
		l.result.P50Ms, l.result.P99Ms = percentileMs(latencies, 0.50), percentileMs(latencies, 0.99)
		close(l.done)
	}()
	return l
}

// Stop ends the loop and returns what it saw.
func (l *LoadLoop) Stop() LoadResult {
	l.cancel()
	<-l.done
	return l.result
}

func getHealth(ctx context.Context, client *http.Client, baseURL string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/health", nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET /health: status %d", resp.StatusCode)
	}
	var body struct {
		Version string `json:"version"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return "", fmt.Errorf("GET /health: decoding: %w", err)
	}
	return body.Version, nil
}

func percentileMs(d []time.Duration, p float64) float64 {
	if len(d) == 0 {
		return 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return float64(d[int(p*float64(len(d)-1))].Microseconds()) / 1000
}
