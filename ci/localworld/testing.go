package localworld

import (
	"context"
	"errors"
	"os"
	"testing"
)

// need fails the test when CI=true and skips it otherwise, for a component
// that is not installed. Any other error always fails.
func need(t testing.TB, what string, err error) {
	t.Helper()
	if errors.Is(err, ErrMissing) && os.Getenv("CI") != "true" {
		t.Skipf("%s: %v", what, err)
	}
	t.Fatalf("%s: %v", what, err)
}

// MotoT starts moto_server for the test and stops it at cleanup.
func MotoT(t testing.TB) *Moto {
	t.Helper()
	m, err := StartMoto(context.Background(), t.TempDir())
	if err != nil {
		need(t, "starting moto_server", err)
	}
	t.Cleanup(m.Stop)
	return m
}

// PostgresT starts a PostgreSQL cluster for the test and stops it at cleanup.
func PostgresT(t testing.TB) *Postgres {
	t.Helper()
	p, err := StartPostgres(context.Background(), t.TempDir())
	if err != nil {
		need(t, "starting PostgreSQL", err)
	}
	t.Cleanup(p.Stop)
	return p
}

// RegistryT starts docker-registry for the test and stops it at cleanup.
func RegistryT(t testing.TB) *Registry {
	t.Helper()
	r, err := StartRegistry(context.Background(), t.TempDir())
	if err != nil {
		need(t, "starting docker-registry", err)
	}
	t.Cleanup(r.Stop)
	return r
}
