package localworld

import (
	"context"
	"errors"
	"os"
	"testing"
)

// Need fails the test when CI=true and skips it otherwise, for a component
// that is not installed. Any other error always fails.
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
		if _, err := lookPath(p, "bash .ci/setup installs it"); err != nil {
			Need(t, p+" is required", err)
		}
	}
}

// SkipShort skips a test that needs a local component under go test
// -short: the component-free tests (what the Dagger module's check runs).
func SkipShort(t testing.TB, what string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("-short: needs %s", what)
	}
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

// postgresT starts a PostgreSQL cluster for the test and stops it at cleanup.
func postgresT(t testing.TB) *Postgres {
	t.Helper()
	SkipShort(t, "PostgreSQL")
	p, err := StartPostgres(context.Background(), t.TempDir())
	if err != nil {
		Need(t, "starting PostgreSQL", err)
	}
	t.Cleanup(p.Stop)
	return p
}

// RegistryT starts docker-registry for the test and stops it at cleanup.
func RegistryT(t testing.TB) *Registry {
	t.Helper()
	SkipShort(t, "docker-registry")
	r, err := StartRegistry(context.Background(), t.TempDir())
	if err != nil {
		Need(t, "starting docker-registry", err)
	}
	t.Cleanup(r.Stop)
	return r
}
