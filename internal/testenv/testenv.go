package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// ErrMissing reports that a component's program is not installed.
var ErrMissing = errors.New("component not installed")

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// RandomHex returns n random bytes as hex, for unique names and passwords.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Need ends a test that could not start a component: it skips when the
// component's program is missing and CI is not "true", and fails otherwise.
func Need(t testing.TB, what string, err error) {
	t.Helper()
	if errors.Is(err, ErrMissing) && os.Getenv("CI") != "true" {
		t.Skipf("%s: %v", what, err)
	}
	t.Fatalf("%s: %v", what, err)
}

// SkipShort skips, under go test -short, a test that starts component:
// -short runs only the tests that need no local component.
func SkipShort(t testing.TB, component string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("-short: starts %s", component)
	}
}

// PostgresT starts a cluster for the test and stops it at cleanup. Under
// -short it skips the test instead.
func PostgresT(t testing.TB) *Postgres {
	t.Helper()
	SkipShort(t, "PostgreSQL")
	p, err := StartPostgres(context.Background(), t.TempDir())
	if err != nil {
		Need(t, "starting PostgreSQL", err)
	}
	t.Cleanup(p.Stop)
	return p
}

// MotoT starts moto_server for the test and stops it at cleanup. Under
// -short it skips the test instead.
func MotoT(t testing.TB) *Moto {
	t.Helper()
	SkipShort(t, "moto_server")
	m, err := StartMoto(context.Background(), t.TempDir())
	if err != nil {
		Need(t, "starting moto_server", err)
	}
	t.Cleanup(m.Stop)
	return m
}

func lookPath(program, install string) (string, error) {
	path, err := exec.LookPath(program)
	if err != nil {
		return "", fmt.Errorf("%s: %w (%s)", program, ErrMissing, install)
	}
	return path, nil
}

// stopGroup sends SIGTERM to the process group of cmd, then SIGKILL if it is
// still there after five seconds.
func stopGroup(cmd *exec.Cmd, exited <-chan struct{}) {
	if cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
}

// waitHTTP polls url until it answers with any status, the context ends or
// exited is closed.
func waitHTTP(ctx context.Context, url string, exited <-chan struct{}) error {
	client := &http.Client{Timeout: time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", url, ctx.Err())
		case <-exited:
			return fmt.Errorf("waiting for %s: the process exited", url)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
