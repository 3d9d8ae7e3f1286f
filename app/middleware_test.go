package main

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// logLines decodes the JSON log lines written so far.
func logLines(t *testing.T, logs *syncBuffer) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

func serveWithID(h http.Handler, method, target, id string) *http.Response {
	req := httptest.NewRequest(method, target, nil)
	if id != "" {
		req.Header.Set("X-Request-Id", id)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	h := NewServer(slog.New(slog.NewJSONHandler(&logs, nil)), "v", nil, nil, "")

	resp := serveWithID(h, "GET", "/nope", "proxy-id.123")
	if got := resp.Header.Get("X-Request-Id"); got != "proxy-id.123" {
		t.Errorf("X-Request-Id = %q, want the caller's", got)
	}
	if !strings.Contains(logs.String(), `"request_id":"proxy-id.123","method":"GET","path":"/nope","status":404`) {
		t.Errorf("request log = %s, want request_id, method, path and status", logs.String())
	}

	for _, bad := range []string{"bad id\nwith newline", strings.Repeat("a", 65), `x"y`, "é"} {
		got := serveWithID(h, "GET", "/health", bad).Header.Get("X-Request-Id")
		if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(got) {
			t.Errorf("X-Request-Id for the caller's %q = %q, want a fresh 16-hex id instead of an unsafe one", bad, got)
		}
	}
}

// The rule the regexp ^[A-Za-z0-9._-]{1,64}$ used to state.
func TestValidRequestID(t *testing.T) {
	t.Parallel()
	old := regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	cases := []string{"", "a", "proxy-id.123", "A_Z.a-z.0_9", strings.Repeat("x", 64), strings.Repeat("x", 65),
		"with space", "new\nline", "tab\t", `quote"`, "slash/", "colon:", "é", "ａ", "\x00", "id;drop", "%41", "+"}
	for _, id := range cases {
		if got, want := validRequestID(id), old.MatchString(id); got != want {
			t.Errorf("validRequestID(%q) = %v, want %v", id, got, want)
		}
	}
	for c := 0; c < 256; c++ {
		id := string([]byte{byte(c)})
		if got, want := validRequestID(id), old.MatchString(id); got != want {
			t.Errorf("validRequestID(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestFreshRequestIDsAreUniqueAndValid(t *testing.T) {
	t.Parallel()
	h := NewServer(slog.New(slog.DiscardHandler), "v", nil, nil, "")
	const workers, each = 8, 2000
	ids := make(chan string, workers*each)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				ids <- serveWithID(h, "GET", "/health", "").Header.Get("X-Request-Id")
			}
		})
	}
	wg.Wait()
	close(ids)
	hex16 := regexp.MustCompile(`^[0-9a-f]{16}$`)
	seen := make(map[string]bool, workers*each)
	for id := range ids {
		if !hex16.MatchString(id) || !validRequestID(id) {
			t.Fatalf("fresh X-Request-Id %q is not 16 hex digits", id)
		}
		if seen[id] {
			t.Fatalf("X-Request-Id %q given to two requests", id)
		}
		seen[id] = true
	}
}

// Successful /health probes are not logged (load balancers send them all
// the time); every other request is, failed probes included, with its id.
func TestAccessLogSkipsOnlySuccessfulHealthProbes(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	h := NewServer(slog.New(slog.NewJSONHandler(&logs, nil)), "v", nil, nil, "")
	cases := []struct {
		method, target string
		status         int
		logged         bool
	}{
		{"GET", "/health", 200, false},
		{"HEAD", "/health", 200, false},
		{"GET", "/health?probe=alb", 200, false},
		{"POST", "/health", 405, true},
		{"GET", "/health/", 404, true},
		{"GET", "/db/status", 503, true},
		{"GET", "/db/read", 503, true},
		{"GET", "/db/read?limit=0", 400, true},
		{"GET", "/nope", 404, true},
	}
	for i, c := range cases {
		id := "case-" + string(rune('a'+i))
		if got := serveWithID(h, c.method, c.target, id).StatusCode; got != c.status {
			t.Errorf("%s %s = %d, want %d", c.method, c.target, got, c.status)
		}
		var line map[string]any
		for _, l := range logLines(t, &logs) {
			if l["msg"] == "request" && l["request_id"] == id {
				line = l
			}
		}
		switch {
		case c.logged && line == nil:
			t.Errorf("%s %s (%d) was not logged:\n%s", c.method, c.target, c.status, logs.String())
		case !c.logged && line != nil:
			t.Errorf("%s %s (%d) was logged: %v", c.method, c.target, c.status, line)
		case c.logged && (line["status"] != float64(c.status) || line["method"] != c.method):
			t.Errorf("%s %s logged as %v, want status %d", c.method, c.target, line, c.status)
		}
	}
}

// A handler's own log lines and the access line of a failure both carry
// the request id, on /health too.
func TestFailuresAreLoggedWithTheRequestID(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	h := withRequestIDAndLog(logger, recoverPanics(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		loggerFrom(r.Context()).Warn("about to fail")
		panic("boom")
	})))
	if got := serveWithID(h, "GET", "/health", "probe-7").StatusCode; got != 500 {
		t.Fatalf("status = %d, want 500", got)
	}
	want := map[string]bool{"about to fail": false, "handler panicked": false, "request": false}
	for _, l := range logLines(t, &logs) {
		msg, _ := l["msg"].(string)
		if _, ok := want[msg]; ok {
			want[msg] = l["request_id"] == "probe-7"
		}
		if msg == "request" && l["status"] != float64(500) {
			t.Errorf("access line %v, want status 500", l)
		}
	}
	for msg, ok := range want {
		if !ok {
			t.Errorf("no %q line with request_id probe-7:\n%s", msg, logs.String())
		}
	}
}
