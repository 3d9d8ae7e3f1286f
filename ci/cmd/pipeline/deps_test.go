package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependenciesPointOneWay holds the package layout to its rules: the
// binary CI runs links none of the local world, the host script's package
// links no simulated host, and SSM transport does not interpret the script
// beyond its result contract (package hostresult).
func TestDependenciesPointOneWay(t *testing.T) {
	t.Parallel()
	const mod = "github.com/gangway-dev/gangway/ci/"
	rules := []struct {
		pkg       string
		forbidden []string
	}{
		{"./cmd/pipeline", []string{"github.com/jackc/pgx/v5", mod + "localflow", mod + "localworld", mod + "localworld/simhost", mod + "localcli", "github.com/gangway-dev/gangway/internal/components", "testing"}},
		{"./rollout", []string{mod + "localworld", mod + "localworld/simhost", mod + "ssmrun"}},
		{"./ssmrun", []string{mod + "rollout", mod + "localworld"}},
	}
	for _, r := range rules {
		out, err := exec.Command("go", "list", "-C", "../..", "-deps", r.pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", r.pkg, err, out)
		}
		deps := map[string]bool{}
		for _, d := range strings.Fields(string(out)) {
			deps[d] = true
		}
		for _, f := range r.forbidden {
			if deps[f] {
				t.Errorf("%s links %s (go list -deps %s | grep %s)", r.pkg, f, r.pkg, f)
			}
		}
	}
}
