package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// newDebugServer serves net/http/pprof, for profiling the service under
// load (go tool pprof http://ADDR/debug/pprof/profile?seconds=20). It is
// started only when DEBUG_ADDR is set, on a listener of its own that
// loadConfig keeps on loopback: profiles reveal the program's internals and
// must never be reachable through the service's port.
func newDebugServer() *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// No WriteTimeout: a CPU profile or trace answers after its duration.
	return &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
}

// validDebugAddr accepts host:port with a loopback host ("" = off).
func validDebugAddr(addr string) error {
	if addr == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err == nil {
		_, err = net.LookupPort("tcp", port)
	}
	ip := net.ParseIP(host)
	if err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		return fmt.Errorf("DEBUG_ADDR must be a loopback host:port such as 127.0.0.1:6060, got %q", addr)
	}
	return nil
}
