package main

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gangway-dev/gangway/app/internal/store"
)

// These tests need no database: input is refused before it is used. A nil
// store would answer 503, so a 400 proves the validation ran first.
func newTestServer() http.Handler {
	return NewServer(slog.New(slog.DiscardHandler), "v-unit", nil, nil, "")
}

func serve(h http.Handler, method, target, contentType, body string) *http.Response {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func TestCreateRefusesBadInput(t *testing.T) {
	t.Parallel()
	h := newTestServer()
	cases := []struct {
		name        string
		contentType string
		body        string
		status      int
		msgContains string
	}{
		{"malformed", "application/json", `{"name":`, 400, "malformed JSON"},
		{"syntax error", "application/json", `{"name" "x"}`, 400, "malformed JSON"},
		{"trailing object", "application/json", `{"name":"a"}{"name":"b"}`, 400, "single JSON object"},
		{"trailing garbage", "application/json", `{"name":"a"} x`, 400, "single JSON object"},
		{"unknown field", "application/json", `{"name":"a","admin":true}`, 400, `unknown field "admin"`},
		{"name wrong type", "application/json", `{"name":123}`, 400, `"name" must be a string`},
		{"description wrong type", "application/json", `{"name":"a","description":["x"]}`, 400, `"description" must be a string`},
		{"array body", "application/json", `[{"name":"a"}]`, 400, "must be a JSON object"},
		{"empty body", "application/json", ``, 400, "empty"},
		{"null body", "application/json", `null`, 400, `"name" is required`},
		{"missing name", "application/json", `{"description":"d"}`, 400, `"name" is required`},
		{"empty name", "application/json", `{"name":""}`, 400, "must not be empty"},
		{"blank name", "application/json", `{"name":" \t "}`, 400, "must not be empty"},
		{"name too long", "application/json", `{"name":"` + strings.Repeat("é", 201) + `"}`, 400, "201 characters long; the limit is 200"},
		{"description too long", "application/json", `{"name":"a","description":"` + strings.Repeat("x", 2001) + `"}`, 400, "limit is 2000"},
		{"NUL in name", "application/json", `{"name":"a\u0000b"}`, 400, "NUL"},
		{"too large", "application/json", `{"name":"a","description":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "larger than 65536 bytes"},
		{"too large after the object", "application/json", `{"name":"a"}` + strings.Repeat(" ", 70<<10), 413, "larger than"},
		{"text/plain", "text/plain", `{"name":"a"}`, 415, "application/json"},
		{"form", "application/x-www-form-urlencoded", `name=a`, 415, "application/json"},
		{"no content type", "", `{"name":"a"}`, 415, "application/json"},
		// Valid input reaches the (missing) database: 503, not 4xx.
		{"valid", "application/json; charset=utf-8", `{"name":"a","description":"b"}`, 503, "not configured"},
		{"exactly the limit", "application/json", `{"name":"a"}` + strings.Repeat(" ", 64<<10-len(`{"name":"a"}`)), 503, "not configured"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			resp := serve(h, http.MethodPost, "/db/create", c.contentType, c.body)
			var body errorBody
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatalf("response is not JSON: %v", err)
			}
			if got := resp.StatusCode; got != c.status {
				t.Errorf("status = %d, want %d (error %q)", got, c.status, body.Error)
			}
			if !strings.Contains(body.Error, c.msgContains) {
				t.Errorf("error = %q, want it to contain %q", body.Error, c.msgContains)
			}
			if got, want := resp.Header.Get("Content-Type"), "application/json"; got != want {
				t.Errorf("Content-Type = %q, want %q", got, want)
			}
		})
	}
}

func TestReadRefusesBadParameters(t *testing.T) {
	t.Parallel()
	h := newTestServer()
	for _, q := range []string{"limit=0", "limit=101", "limit=-1", "limit=ten", "limit=", "limit=1.5",
		"cursor=", "cursor=%%%", "cursor=bm90LWEtY3Vyc29y", "cursor=" + encodeCursor(store.Cursor{ID: 0})} {
		t.Run(q, func(t *testing.T) {
			t.Parallel()
			resp := serve(h, http.MethodGet, "/db/read?"+q, "", "")
			if got, want := resp.StatusCode, http.StatusBadRequest; got != want {
				t.Errorf("GET /db/read?%s status = %d, want %d", q, got, want)
			}
		})
	}
	// Valid parameters reach the (missing) database.
	for _, q := range []string{"", "limit=1", "limit=100", "cursor=" + encodeCursor(store.Cursor{CreatedAt: time.Now(), ID: 9})} {
		if got, want := serve(h, http.MethodGet, "/db/read?"+q, "", "").StatusCode, http.StatusServiceUnavailable; got != want {
			t.Errorf("GET /db/read?%s status = %d, want %d", q, got, want)
		}
	}
}

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	want := store.Cursor{CreatedAt: time.Date(2026, 11, 26, 12, 0, 0, 123456000, time.UTC), ID: 42}
	got, err := decodeCursor(encodeCursor(want))
	if err != nil {
		t.Fatal(err)
	}
	if !got.CreatedAt.Equal(want.CreatedAt) || got.ID != want.ID {
		t.Errorf("decodeCursor(encodeCursor(%v)) = %v", want, got)
	}
}

func TestMethodsAndUnknownPaths(t *testing.T) {
	t.Parallel()
	h := newTestServer()
	cases := []struct {
		method, path string
		status       int
		allow        string
	}{
		{"POST", "/health", 405, "GET, HEAD"},
		{"DELETE", "/db/status", 405, "GET, HEAD"},
		{"GET", "/db/create", 405, "POST"},
		{"PUT", "/db/read", 405, "GET, HEAD"},
		{"POST", "/s3/list", 405, "GET, HEAD"},
		{"GET", "/nope", 404, ""},
		{"GET", "/", 404, ""},
		{"HEAD", "/health", 200, ""},
	}
	for _, c := range cases {
		resp := serve(h, c.method, c.path, "", "")
		if resp.StatusCode != c.status || resp.Header.Get("Allow") != c.allow {
			t.Errorf("%s %s = %d Allow %q, want %d Allow %q", c.method, c.path, resp.StatusCode, resp.Header.Get("Allow"), c.status, c.allow)
		}
		if got := resp.Header.Get("Content-Type"); got != "application/json" {
			t.Errorf("%s %s Content-Type = %q, want application/json", c.method, c.path, got)
		}
	}
}

func TestPanicsBecome500(t *testing.T) {
	t.Parallel()
	h := recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if got := rec.Result().StatusCode; got != 500 {
		t.Errorf("status = %d, want 500", got)
	}
}

// A body without Content-Length (chunked) is cut at the limit while read.
func TestCreateLimitsChunkedBodies(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		body   string
		status int
	}{
		{`{"name":"a","description":"` + strings.Repeat("x", 70<<10) + `"}`, http.StatusRequestEntityTooLarge},
		{`{"name":"a"}`, http.StatusServiceUnavailable}, // valid: reaches the missing database
	} {
		req := httptest.NewRequest(http.MethodPost, "/db/create", strings.NewReader(c.body))
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		newTestServer().ServeHTTP(rec, req)
		if got := rec.Result().StatusCode; got != c.status {
			t.Errorf("chunked body of %d bytes: status %d, want %d", len(c.body), got, c.status)
		}
	}
}
