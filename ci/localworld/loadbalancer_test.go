package localworld_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gangway-dev/gangway/ci/localworld"
	"github.com/gangway-dev/gangway/internal/components"
)

// target is a host behind the load balancer whose /health can be turned
// unhealthy. Like the host's nginx, whose site matches any Host but none,
// it answers 404 to a request without a Host header.
type target struct {
	name    string
	healthy atomic.Bool
	srv     *httptest.Server
}

func newTarget(t *testing.T, name string) *target {
	tg := &target{name: name}
	tg.healthy.Store(true)
	tg.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host == "" {
			http.NotFound(w, r)
			return
		}
		if r.URL.Path == "/health" && !tg.healthy.Load() {
			http.Error(w, "unhealthy", http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, name) // a target that lost its client has nothing to do
	}))
	t.Cleanup(tg.srv.Close)
	return tg
}

func (tg *target) hostPort() string { return strings.TrimPrefix(tg.srv.URL, "http://") }

// TestLoadBalancerServesHealthyTargetsOverTLS: TLS from the local CA only,
// TLS 1.2 at least, traffic spread over the targets, an unhealthy target
// taken out and brought back, and 503 when no target is healthy.
func TestLoadBalancerServesHealthyTargetsOverTLS(t *testing.T) {
	components.SkipShort(t, "HAProxy")
	dir := t.TempDir()
	ca, err := localworld.NewCA(dir + "/ca")
	if err != nil {
		t.Fatal(err)
	}
	a, b := newTarget(t, "a"), newTarget(t, "b")
	lb, err := localworld.StartLoadBalancer(context.Background(), dir+"/lb", ca, []string{a.hostPort(), b.hostPort()})
	if err != nil {
		components.Need(t, "starting HAProxy", err)
	}
	t.Cleanup(lb.Stop)
	if !strings.HasPrefix(lb.URL, "https://") {
		t.Fatalf("URL %s is not HTTPS", lb.URL)
	}
	client, err := ca.Client(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	get := func() (int, string) {
		t.Helper()
		resp, err := client.Get(lb.URL + "/")
		if err != nil {
			t.Fatalf("GET through the load balancer: %v", err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	served := func(n int) map[string]int {
		seen := map[string]int{}
		for range n {
			code, body := get()
			seen[strings.TrimSpace(body)+"/"+http.StatusText(code)]++
		}
		return seen
	}
	if seen := served(10); seen["a/OK"] == 0 || seen["b/OK"] == 0 {
		t.Errorf("10 requests reached %v, want both targets", seen)
	}

	// Plain HTTP is redirected to HTTPS, path and query kept, as the ALB's
	// port-80 listener does.
	noFollow := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(lb.HTTPURL + "/db/read?limit=5")
	if err != nil {
		t.Fatalf("GET over plain HTTP: %v", err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusMovedPermanently || loc != lb.URL+"/db/read?limit=5" {
		t.Errorf("plain HTTP: status %d, Location %q; want 301 to %s/db/read?limit=5", resp.StatusCode, loc, lb.URL)
	}

	// A client that trusts only the system's roots refuses the certificate.
	_, err = http.Get(lb.URL + "/")
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("a client without the local CA: %v, want an unknown-authority error", err)
	}
	// TLS 1.1 is refused.
	old := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: mustPool(t, ca), MaxVersion: tls.VersionTLS11}}}
	if resp, err := old.Get(lb.URL + "/"); err == nil {
		resp.Body.Close()
		t.Error("a TLS 1.1 client was served")
	}

	// b fails its health checks: it leaves, and comes back once healthy.
	b.healthy.Store(false)
	waitFor(t, "b to leave", func() bool { s := served(6); return s["a/OK"] == 6 })
	b.healthy.Store(true)
	waitFor(t, "b to come back", func() bool { return served(6)["b/OK"] > 0 })

	// No healthy target: 503, as the ALB answers.
	a.healthy.Store(false)
	b.healthy.Store(false)
	waitFor(t, "503 with no healthy target", func() bool { code, _ := get(); return code == http.StatusServiceUnavailable })
}

func mustPool(t *testing.T, ca localworld.CA) *x509.CertPool {
	t.Helper()
	p, err := ca.Pool()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// waitFor polls cond for up to 20 s (the checks take 3 s to take a target
// out and 2 s to bring it back).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
