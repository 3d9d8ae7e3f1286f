package main

import (
	"io"
	"log/slog"
	"net/http"
	"testing"
)

// discardWriter is the cheapest ResponseWriter, so that the benchmark
// shows the handler chain and not a recorder.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkHealth is GET /health through the service's handler chain,
// without the network, next to the routes alone (no middleware): the
// difference is what the middleware costs each request. The logger writes
// JSON to io.Discard, so a log line's write(2) is not in it (the load test,
// .ci/bench/app.sh, has it). On a busy machine compare the fastest of
// several counts:
//
//	go test ./app -run '^$' -bench Health -benchmem -count 8
//	go test ./app -run '^$' -bench Health/chain -cpuprofile /tmp/cpu.out
func BenchmarkHealth(b *testing.B) {
	routes := http.NewServeMux()
	addRoutes(routes, "bench", nil, nil, "")
	chain := NewServer(slog.New(slog.NewJSONHandler(io.Discard, nil)), "bench", nil, nil, "")
	for _, bc := range []struct {
		name string
		h    http.Handler
		id   string
	}{
		{"routes only", routes, ""},
		{"chain, fresh id", chain, ""},
		{"chain, caller's id", chain, "itest-0123456789abcdef"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req, err := http.NewRequest(http.MethodGet, "http://service/health", nil)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				req.Header = http.Header{}
				if bc.id != "" {
					req.Header["X-Request-Id"] = []string{bc.id}
				}
				bc.h.ServeHTTP(&discardWriter{h: http.Header{}}, req)
			}
		})
	}
}
