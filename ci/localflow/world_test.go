package localflow

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/gangway-dev/gangway/internal/components"
)

// startTestWorld starts a world in a fresh directory, failing under CI=true
// and skipping otherwise when a component is not installed.
func startTestWorld(t *testing.T, dir string) *world {
	t.Helper()
	components.SkipShort(t, "moto_server, PostgreSQL, docker-registry, nginx and podman")
	components.NeedPrograms(t, "moto_server", "initdb", "docker-registry", "nginx", "podman")
	w, err := openWorld(context.Background(), dir, t.Logf)
	if err != nil {
		t.Fatalf("openWorld: %v", err)
	}
	return w
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// A run that was killed leaves a world that is not marked kept: the next
// run stops all of it and starts afresh.
func TestOpenWorldCleansUpAfterAnInterruptedRun(t *testing.T) {
	dir := t.TempDir()
	first := startTestWorld(t, dir)
	t.Cleanup(func() { _ = first.stop() })
	old := first.state

	second := startTestWorld(t, dir)
	t.Cleanup(func() { _ = second.stop() })
	if second.state.RegistryHost == old.RegistryHost {
		t.Errorf("the second run reused the interrupted run's registry %s", old.RegistryHost)
	}
	for env, m := range old.Motos {
		if alive(m.PID) {
			t.Errorf("the interrupted run's %s moto_server (pid %d) is still running", env, m.PID)
		}
	}
	if alive(old.RegistryPID) {
		t.Errorf("the interrupted run's registry (pid %d) is still running", old.RegistryPID)
	}
	for env, hosts := range old.Hosts {
		if len(hosts) != hostsPerEnv {
			t.Errorf("%s has %d hosts, want %d", env, len(hosts), hostsPerEnv)
		}
		for _, h := range hosts {
			if alive(h.NginxPID) {
				t.Errorf("the interrupted run's %s nginx (pid %d) is still running", env, h.NginxPID)
			}
		}
	}
	for env, lb := range old.LoadBalancers {
		if alive(lb.PID) {
			t.Errorf("the interrupted run's %s load balancer (pid %d) is still running", env, lb.PID)
		}
	}
	for env, db := range old.Databases {
		if listening(db.Port) {
			t.Errorf("the interrupted run's %s PostgreSQL still listens on %d", env, db.Port)
		}
	}
}

// A world kept on purpose (--keep) is reused as it is.
func TestOpenWorldReusesAKeptWorld(t *testing.T) {
	dir := t.TempDir()
	first := startTestWorld(t, dir)
	t.Cleanup(func() { _ = first.stop() })
	first.state.Kept = true
	if err := first.save(); err != nil {
		t.Fatal(err)
	}
	second := startTestWorld(t, dir)
	if got, want := second.state.RegistryHost, first.state.RegistryHost; got != want {
		t.Errorf("registry = %s, want the kept world's %s", got, want)
	}
	if got, want := second.state.Motos["prod"].Endpoint, first.state.Motos["prod"].Endpoint; got != want {
		t.Errorf("prod moto = %s, want the kept world's %s", got, want)
	}
	if err := second.stop(); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(dir, worldFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s still there after stop: %v", worldFile, err)
	}
	if answers("http://" + first.state.RegistryHost + "/v2/") {
		t.Error("the registry still answers after stop")
	}
}
