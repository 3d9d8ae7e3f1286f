// Package loadgen is the local world's steady request loop: workers GET a
// service's /health until stopped, counting the requests that failed and
// which version answered. "Failed requests during a rollout" means what
// this loop counts, in the local flow's prod rollout (through the load
// balancer) and in the rollout tests and benchmark (one host's port).
package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Options configure a loop.
type Options struct {
	// URL is the /health URL to GET.
	URL string
	// Workers is the number of concurrent clients. Even workers keep
	// their connections alive (as browsers and proxies do); odd ones open
	// a new connection for every request, so that no failure can hide
	// behind the Go client's retry of an idempotent request on a reused
	// connection.
	Workers int
	// Transport is what each worker's own transport is cloned from (its
	// TLS settings: the CA to trust); nil is http.DefaultTransport.
	Transport *http.Transport
	// Limit bounds the loop in any case (0: an hour).
	Limit time.Duration
	// Pause is each worker's pause between requests: 0 floods.
	Pause time.Duration
}

// Result is what a loop saw.
type Result struct {
	Requests int `json:"requests"`
	Failed   int `json:"failed"`
	// Errors holds up to ten distinct failure messages.
	Errors  []string `json:"errors,omitempty"`
	Seconds float64  `json:"seconds"`
	// Rate is requests per second over the whole loop.
	Rate float64 `json:"rate"`
	// Versions counts answers by the version /health reported, and First
	// is when each version answered first.
	Versions map[string]int       `json:"versions"`
	First    map[string]time.Time `json:"-"`
	P50Ms    float64              `json:"p50_ms"`
	P99Ms    float64              `json:"p99_ms"`
}

// Loop is a running loop.
type Loop struct {
	cancel    context.CancelFunc
	done      chan struct{}
	mu        sync.Mutex
	result    Result
	errs      map[string]bool
	latencies []time.Duration
}

// maxErrors is how many distinct failure messages a Result keeps.
const maxErrors = 10

// Start starts a loop; Stop ends it.
func Start(o Options) *Loop {
	if o.Limit <= 0 {
		o.Limit = time.Hour
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.Limit)
	l := &Loop{cancel: cancel, done: make(chan struct{}), errs: map[string]bool{},
		result: Result{Versions: map[string]int{}, First: map[string]time.Time{}}}
	base := o.Transport
	if base == nil {
		base = http.DefaultTransport.(*http.Transport)
	}
	start := time.Now()
	var wg sync.WaitGroup
	for i := range o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			transport := base.Clone()
			transport.DisableKeepAlives = i%2 == 1
			defer transport.CloseIdleConnections()
			client := &http.Client{Timeout: 10 * time.Second, Transport: transport}
			for ctx.Err() == nil {
				t0 := time.Now()
				version, err := Health(ctx, client, o.URL)
				if ctx.Err() != nil {
					return // the loop ended mid-request: not the service's fault
				}
				l.record(version, err, time.Since(t0))
				if o.Pause > 0 {
					time.Sleep(o.Pause)
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		l.finish(time.Since(start))
		close(l.done)
	}()
	return l
}

func (l *Loop) record(version string, err error, took time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.result.Requests++
	if err != nil {
		l.result.Failed++
		if len(l.errs) < maxErrors {
			l.errs[err.Error()] = true
		}
		return
	}
	l.result.Versions[version]++
	if _, ok := l.result.First[version]; !ok {
		l.result.First[version] = time.Now()
	}
	l.latencies = append(l.latencies, took)
}

func (l *Loop) finish(elapsed time.Duration) {
	r := &l.result
	r.Seconds = elapsed.Seconds()
	if r.Seconds > 0 {
		r.Rate = float64(r.Requests) / r.Seconds
	}
	for e := range l.errs {
		r.Errors = append(r.Errors, e)
	}
	sort.Strings(r.Errors)
	r.P50Ms, r.P99Ms = percentileMs(l.latencies, 0.50), percentileMs(l.latencies, 0.99)
}

// Stop ends the loop and returns what it saw.
func (l *Loop) Stop() Result {
	l.cancel()
	<-l.done
	return l.result
}

// Health GETs url (a /health URL) and returns the version it reports; any
// status but 200 is an error.
func Health(ctx context.Context, client *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET /health: status %d: %s", resp.StatusCode, body)
	}
	var v struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return "", fmt.Errorf("GET /health: decoding %q: %w", body, err)
	}
	return v.Version, nil
}

func percentileMs(d []time.Duration, p float64) float64 {
	if len(d) == 0 {
		return 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return float64(d[int(p*float64(len(d)-1))].Microseconds()) / 1000
}
