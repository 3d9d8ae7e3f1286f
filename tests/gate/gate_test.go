package gate

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gangway-dev/gangway/internal/components"
)

var allChecks = []string{"TestReadiness", "TestHealth", "TestDBStatus", "TestS3List", "TestDBCreateAndRead",
	"TestDBReadPagination", "TestDBReadRejectsBadParameters", "TestDBCreateRejectsBadInput"}

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// binaries builds the service and the suite once for the package.
func binaries(t *testing.T) (app, suite string) {
	t.Helper()
	buildOnce.Do(func() {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			buildErr = fmt.Errorf("go env GOMOD: %w", err)
			return
		}
		root := filepath.Dir(strings.TrimSpace(string(out)))
		if buildDir, buildErr = os.MkdirTemp("", "gangway-gate-"); buildErr != nil {
			return
		}
		for _, args := range [][]string{
			{"build", "-o", filepath.Join(buildDir, "app"), "./app"},
			{"test", "-c", "-o", filepath.Join(buildDir, "suite"), "./tests"},
		} {
			cmd := exec.Command("go", args...)
			cmd.Dir = root
			if out, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(buildDir, "app"), filepath.Join(buildDir, "suite")
}

var listeningRE = regexp.MustCompile(`"msg":"listening".*"addr":"([^"]+)"`)

// startService runs the service binary with env and returns its base URL.
func startService(t *testing.T, bin string, env []string) string {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(slices.Clip(env), "PORT=0", "LISTEN_HOST=127.0.0.1", "APP_VERSION=gate")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	var logs bytes.Buffer
	var mu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			logs.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			mu.Lock()
			t.Logf("service log:\n%s", logs.String())
			mu.Unlock()
		}
	})
	select {
	case a := <-addr:
		return "http://" + a
	case <-time.After(30 * time.Second):
		t.Fatal("the service did not log its address within 30s")
		return ""
	}
}

// suiteRun is the outcome of one run of the suite binary.
type suiteRun struct {
	passed bool
	checks map[string]string // top-level test → "pass" / "fail" / "skip"
	output string
}

// runSuite runs the suite binary through test2json (as `go test -json`
// would report it) against base.
func runSuite(t *testing.T, suite, base, readyTimeout string) suiteRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "tool", "test2json", "-t", suite, "-test.v=test2json",
		"-app-url", base, "-ready-timeout", readyTimeout)
	cmd.Env = append(os.Environ(), "APP_URL=") // the flag alone must be enough
	out, err := cmd.Output()
	if ctx.Err() != nil {
		t.Fatalf("the suite did not finish within 2 minutes")
	}
	r := suiteRun{checks: map[string]string{}}
	var text strings.Builder
	var final string
	for _, line := range bytes.Split(out, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var ev struct {
			Action, Test, Output string
		}
		if err := json.Unmarshal(line, &ev); err != nil {
			t.Fatalf("test2json line is not JSON: %s", line)
		}
		text.WriteString(ev.Output)
		switch {
		case ev.Test == "" && (ev.Action == "pass" || ev.Action == "fail"):
			final = ev.Action
		case ev.Test != "" && !strings.Contains(ev.Test, "/") && (ev.Action == "pass" || ev.Action == "fail" || ev.Action == "skip"):
			r.checks[ev.Test] = ev.Action
		}
	}
	r.output = text.String()
	r.passed = final == "pass" && err == nil
	if (final == "pass") != (err == nil) {
		t.Errorf("the suite's exit status (%v) disagrees with its JSON result (%q)", err, final)
	}
	return r
}

// expectFailure asserts that the run failed, and on which checks.
func expectFailure(t *testing.T, r suiteRun, failing ...string) {
	t.Helper()
	if r.passed {
		t.Fatalf("the suite PASSED against a broken service; output:\n%s", r.output)
	}
	for _, name := range failing {
		if r.checks[name] != "fail" {
			t.Errorf("check %s = %q, want fail; output:\n%s", name, r.checks[name], r.output)
		}
	}
}

func TestTheGateCanFail(t *testing.T) {
	components.SkipShort(t, "PostgreSQL and moto_server")
	appBin, suiteBin := binaries(t)
	pg := components.PostgresT(t)
	moto := components.MotoT(t)
	ctx := context.Background()
	password, err := pg.CreateDatabase(ctx, "gangway")
	if err != nil {
		t.Fatal(err)
	}
	bucket := "gangway-gate-" + components.RandomHex(4)
	req, _ := http.NewRequest(http.MethodPut, moto.Endpoint+"/"+bucket, nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("creating bucket %s: %v %v", bucket, err, resp)
	}
	env := append(os.Environ(), moto.Env()...)
	env = append(env, "DATABASE_URL="+pg.URLFor("gangway", password, "gangway"), "S3_BUCKET="+bucket)
	base := startService(t, appBin, env)

	t.Run("healthy service passes every check", func(t *testing.T) {
		r := runSuite(t, suiteBin, base, "30s")
		if !r.passed {
			t.Fatalf("the suite failed against a healthy service:\n%s", r.output)
		}
		for _, name := range allChecks {
			if r.checks[name] != "pass" {
				t.Errorf("check %s = %q, want pass", name, r.checks[name])
			}
		}
		if !strings.Contains(r.output, "checks: 8 passed, 0 failed") {
			t.Errorf("no per-check summary in the output:\n%s", r.output)
		}
	})

	for _, w := range wrongServices {
		t.Run("wrong service: "+w.name, func(t *testing.T) {
			proxy := httptest.NewServer(faulty(t, base, w.fault))
			t.Cleanup(proxy.Close)
			expectFailure(t, runSuite(t, suiteBin, proxy.URL, "10s"), w.failing...)
		})
	}

	t.Run("nothing listening", func(t *testing.T) {
		port, _ := components.FreePort()
		r := runSuite(t, suiteBin, fmt.Sprintf("http://127.0.0.1:%d", port), "3s")
		expectFailure(t, r, allChecks...)
		if !strings.Contains(r.output, "did not answer 200") {
			t.Errorf("the output does not say that the service never became ready:\n%s", r.output)
		}
	})

	t.Run("database stopped", func(t *testing.T) {
		if err := pg.Pause(ctx); err != nil {
			t.Fatal(err)
		}
		r := runSuite(t, suiteBin, base, "10s")
		expectFailure(t, r, "TestDBStatus", "TestDBCreateAndRead", "TestDBReadPagination")
		if r.checks["TestHealth"] != "pass" {
			t.Errorf("TestHealth = %q with the database down; /health must not depend on it", r.checks["TestHealth"])
		}
	})
}

// A fault rewrites one exchange: it gets the request and the real service's
// response, and returns what the client sees.
type fault func(r *http.Request, status int, header http.Header, body []byte) (int, []byte)

var wrongServices = []struct {
	name    string
	fault   fault
	failing []string
}{
	{"health without version", func(r *http.Request, s int, h http.Header, b []byte) (int, []byte) {
		if r.URL.Path == "/health" {
			return s, []byte(`{"status":"ok"}`)
		}
		return s, b
	}, []string{"TestHealth"}},
	{"database reported down", func(r *http.Request, s int, h http.Header, b []byte) (int, []byte) {
		if r.URL.Path == "/db/status" {
			return http.StatusServiceUnavailable, []byte(`{"status":"error","error":"database unavailable"}`)
		}
		return s, b
	}, []string{"TestDBStatus"}},
	{"bucket listing fails", func(r *http.Request, s int, h http.Header, b []byte) (int, []byte) {
		if r.URL.Path == "/s3/list" {
			return http.StatusBadGateway, []byte(`{"error":"AccessDenied"}`)
		}
		return s, b
	}, []string{"TestS3List"}},
	{"records not stored", func(r *http.Request, s int, h http.Header, b []byte) (int, []byte) {
		if r.URL.Path == "/db/read" {
			return s, []byte(`{"records":[],"next_cursor":null}`)
		}
		return s, b
	}, []string{"TestDBCreateAndRead", "TestDBReadPagination"}},
	{"oldest first", func(r *http.Request, s int, h http.Header, b []byte) (int, []byte) {
		if r.URL.Path != "/db/read" || s != http.StatusOK {
			return s, b
		}
		var page map[string]json.RawMessage
		var recs []json.RawMessage
		if json.Unmarshal(b, &page) != nil || json.Unmarshal(page["records"], &recs) != nil {
			return s, b
		}
		for i, j := 0, len(recs)-1; i < j; i, j = i+1, j-1 {
			recs[i], recs[j] = recs[j], recs[i]
		}
		page["records"], _ = json.Marshal(recs)
		out, _ := json.Marshal(page)
		return s, out
	}, []string{"TestDBCreateAndRead", "TestDBReadPagination"}},
	{"text altered", func(r *http.Request, s int, h http.Header, b []byte) (int, []byte) {
		if r.URL.Path == "/db/create" || r.URL.Path == "/db/read" {
			return s, bytes.ReplaceAll(b, []byte(`DROP TABLE`), []byte(`DROP_TABLE`))
		}
		return s, b
	}, []string{"TestDBCreateAndRead"}},
	{"bad input accepted", func(r *http.Request, s int, h http.Header, b []byte) (int, []byte) {
		if r.URL.Path == "/db/create" && s >= 400 && s < 500 {
			return http.StatusCreated, []byte(`{"id":1,"name":"x","description":"","created_at":"2026-01-01T00:00:00Z"}`)
		}
		return s, b
	}, []string{"TestDBCreateRejectsBadInput"}},
	{"oversized body accepted", func(r *http.Request, s int, h http.Header, b []byte) (int, []byte) {
		if r.URL.Path == "/db/create" && s == http.StatusRequestEntityTooLarge {
			return http.StatusBadRequest, b
		}
		return s, b
	}, []string{"TestDBCreateRejectsBadInput"}},
	{"bad parameters ignored", func(r *http.Request, s int, h http.Header, b []byte) (int, []byte) {
		if r.URL.Path == "/db/read" && s == http.StatusBadRequest {
			return http.StatusOK, []byte(`{"records":[],"next_cursor":null}`)
		}
		return s, b
	}, []string{"TestDBReadRejectsBadParameters"}},
	{"errors not JSON", func(r *http.Request, s int, h http.Header, b []byte) (int, []byte) {
		if s >= 400 {
			h.Set("Content-Type", "text/plain; charset=utf-8")
			return s, []byte("bad request\n")
		}
		return s, b
	}, []string{"TestDBCreateRejectsBadInput", "TestDBReadRejectsBadParameters"}},
}

// faulty is a reverse proxy to base that applies f to every exchange.
func faulty(t *testing.T, base string, f fault) http.Handler {
	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		proxy.ServeHTTP(rec, r)
		res := rec.Result()
		body, _ := io.ReadAll(res.Body)
		header := res.Header.Clone()
		status, body := f(r, res.StatusCode, header, body)
		header.Del("Content-Length")
		for k, vs := range header {
			w.Header()[k] = vs
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
}
