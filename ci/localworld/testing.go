package localworld

import (
	"context"
	"testing"

	"github.com/gangway-dev/gangway/internal/components"
)

// RegistryT starts docker-registry for the test and stops it at cleanup.
func RegistryT(t testing.TB) *Registry {
	t.Helper()
	components.SkipShort(t, "docker-registry")
	r, err := StartRegistry(context.Background(), t.TempDir())
	if err != nil {
		components.Need(t, "starting docker-registry", err)
	}
	t.Cleanup(r.Stop)
	return r
}
