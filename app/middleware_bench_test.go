package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkHealth is the service's handler chain for GET /health, without
// the network: what each request costs on top of net/http. The logger
// writes JSON to io.Discard, so the cost of a log line's write(2) is not
// in it (the load test with .ci/bench/app.sh has it).
//
//	go test ./app -run '^$' -bench Health -benchmem -cpuprofile /tmp/cpu.out
func BenchmarkHealth(b *testing.B) {
	h := NewServer(slog.New(slog.NewJSONHandler(io.Discard, nil)), "bench", nil, nil, "")
	for _, bc := range []struct{ name, id string }{
		{"fresh id", ""},
		{"caller's id", "itest-0123456789abcdef"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/health", nil)
			b.ReportAllocs()
			for b.Loop() {
				if bc.id != "" {
					req.Header.Set("X-Request-Id", bc.id)
				} else {
					req.Header.Del("X-Request-Id")
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
