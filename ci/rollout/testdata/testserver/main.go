// Command testserver plays the service in rollout tests: GET /health answers
// 200 {"status":"ok","version":$APP_VERSION}; GET /db/status answers 200
// {"status":"connected"}, or 503 when DB_OK=0 (a version that never becomes
// healthy). It listens on $LISTEN_HOST:$PORT as the app does, waits
// $START_DELAY_MS before listening and $DELAY_MS in every request, and
// shuts down gracefully on SIGTERM.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "testserver:", err)
		os.Exit(1)
	}
}

func ms(name string) time.Duration {
	n, _ := strconv.Atoi(os.Getenv(name))
	return time.Duration(n) * time.Millisecond
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	version, delay, dbOK := os.Getenv("APP_VERSION"), ms("DELAY_MS"), os.Getenv("DB_OK") != "0"
	// A late failure: FAIL_AFTER_PROXIED_MS after the first request that
	// came through nginx (the cutover), every answer is 500, so the
	// version passes the health gate and fails during the bake.
	var failAt atomic.Int64
	failing := func(r *http.Request) bool {
		after := ms("FAIL_AFTER_PROXIED_MS")
		if after == 0 {
			return false
		}
		if r.Header.Get("X-Forwarded-For") != "" {
			failAt.CompareAndSwap(0, time.Now().Add(after).UnixNano())
		}
		at := failAt.Load()
		return at != 0 && time.Now().UnixNano() >= at
	}
	reply := func(w http.ResponseWriter, code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(v)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
		if failing(r) {
			reply(w, http.StatusInternalServerError, map[string]string{"status": "failing", "version": version})
			return
		}
		reply(w, http.StatusOK, map[string]string{"status": "ok", "version": version})
	})
	mux.HandleFunc("GET /db/status", func(w http.ResponseWriter, r *http.Request) {
		if !dbOK || failing(r) {
			reply(w, http.StatusServiceUnavailable, map[string]string{"status": "error", "error": "database unreachable"})
			return
		}
		reply(w, http.StatusOK, map[string]string{"status": "connected"})
	})
	// What the container may do, seen from inside: the rollout tests check
	// the script's confinement through it.
	mux.HandleFunc("GET /confinement", func(w http.ResponseWriter, r *http.Request) {
		status, _ := os.ReadFile("/proc/self/status")
		field := func(name string) string {
			for _, line := range strings.Split(string(status), "\n") {
				if v, ok := strings.CutPrefix(line, name+":"); ok {
					return strings.TrimSpace(v)
				}
			}
			return ""
		}
		writable := func(path string) bool {
			err := os.WriteFile(path, []byte("x"), 0o600)
			_ = os.Remove(path)
			return err == nil
		}
		credentials := "unset"
		if path := os.Getenv("APP_AWS_CREDENTIALS_FILE"); path != "" {
			credentials = "readable"
			if _, err := os.ReadFile(path); err != nil {
				credentials = err.Error()
			}
		}
		reply(w, http.StatusOK, map[string]any{
			"root_writable":        writable("/probe"),
			"tmp_writable":         writable("/tmp/probe"),
			"credentials_writable": os.Getenv("APP_AWS_CREDENTIALS_FILE") != "" && writable(os.Getenv("APP_AWS_CREDENTIALS_FILE")+".probe"),
			"cap_eff":              field("CapEff"),
			"no_new_privs":         field("NoNewPrivs"),
			"credentials":          credentials,
		})
	})
	time.Sleep(ms("START_DELAY_MS"))
	srv := &http.Server{Addr: net.JoinHostPort(os.Getenv("LISTEN_HOST"), os.Getenv("PORT")), Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	fmt.Printf("testserver %s listening on %s\n", version, srv.Addr)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Println("testserver: SIGTERM, finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}
