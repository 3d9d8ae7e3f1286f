package components

import (
	"context"
	"errors"
	"os"
	"testing"
)

// Need ends a test that could not start a component: it skips when the
// component's program is missing and CI is not "true", and fails
// otherwise. Any other error always fails.
func Need(t testing.TB, what string, err error) {
	t.Helper()
	if errors.Is(err, ErrMissing) && os.Getenv("CI") != "true" {
		t.Skipf("%s: %v", what, err)
	}
	t.Fatalf("%s: %v", what, err)
}

// NeedPrograms is Need for programs that must be on PATH.
func NeedPrograms(t testing.TB, programs ...string) {
	t.Helper()
	for _, p := range programs {
		if _, err := LookPath(p, "bash .ci/setup installs it"); err != nil {
			Need(t, p+" is required", err)
		}
	}
}

// SkipShort skips, under go test -short, a test that needs a local
// component: -short runs only the component-free tests (what the Dagger
// module's check runs).
func SkipShort(t testing.TB, what string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("-short: needs %s", what)
	}
}

// PostgresT starts a cluster for the test and stops it at cleanup.
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

// MotoT starts moto_server for the test and stops it at cleanup.
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
