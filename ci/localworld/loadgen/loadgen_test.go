package loadgen

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The loop counts every request: a 503 is a failure, an answer counts
// for the version it names, and the odd worker opens a new connection
// for every request (so the server sees many client ports).
func TestLoopCountsFailuresVersionsAndConnections(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	var mu sync.Mutex
	peers := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		peers[r.RemoteAddr] = true
		mu.Unlock()
		i := n.Add(1)
		if i%10 == 0 {
			http.Error(w, "draining", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, `{"status":"ok","version":"v%d"}`, 1+i%2)
	}))
	t.Cleanup(srv.Close)

	l := Start(Options{URL: srv.URL + "/health", Workers: 2, Limit: time.Minute, Pause: time.Millisecond})
	time.Sleep(300 * time.Millisecond)
	r := l.Stop()
	answered := r.Versions["v1"] + r.Versions["v2"]
	if r.Requests < 20 || r.Failed == 0 || r.Failed+answered != r.Requests {
		t.Errorf("requests %d, failed %d, answered %d: want every request counted once, some failed", r.Requests, r.Failed, answered)
	}
	if len(r.Errors) != 1 || r.Errors[0] != "GET /health: status 503: draining\n" {
		t.Errorf("errors = %q, want the one distinct 503", r.Errors)
	}
	if r.First["v1"].IsZero() || r.First["v2"].IsZero() || r.Rate <= 0 || r.P99Ms < r.P50Ms {
		t.Errorf("result = %+v: want both versions' first answer, a rate and ordered percentiles", r)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(peers) < r.Requests/4 {
		t.Errorf("%d client connections for %d requests: the odd worker should open one per request", len(peers), r.Requests)
	}
}
