package rollout_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gangway-dev/gangway/ci/hostresult"
	"github.com/gangway-dev/gangway/ci/localworld/simhost"
	"github.com/gangway-dev/gangway/ci/rollout"
	"github.com/gangway-dev/gangway/ci/ssmrun"
)

// TestFleetRollsBackMovedHosts rolls two real hosts with ssmrun's Runner
// over simhost.Fleet, as the local flow does: a release goes host by host;
// when the second host fails, the first, already moved, is rolled back to
// the release it had, and the report names each host's outcome.
func TestFleetRollsBackMovedHosts(t *testing.T) {
	t.Parallel()
	w := getWorld(t)
	a, b := newHost(t), newHost(t)
	if a.sim.ID() > b.sim.ID() { // the runner goes in id order: a first
		a, b = b, a
	}
	byID := map[string]*host{a.sim.ID(): a, b.sim.ID(): b}
	fleet := simhost.NewFleet(a.sim, b.sim)
	render := func(mode hostresult.Mode, image string) string {
		t.Helper()
		script, err := fleet.Render(func(h *simhost.Host) rollout.Params {
			p := byID[h.ID()].params
			p.Mode, p.Image = mode, image
			return p
		})
		if err != nil {
			t.Fatal(err)
		}
		return script
	}
	roll := func(image string) ([]ssmrun.HostResult, error) {
		t.Helper()
		runner, err := ssmrun.New(nil, ssmrun.WithTransport(fleet), ssmrun.WithRollbackOnFailure(render(hostresult.ModeRollback, "")))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		return runner.Run(ctx, ssmrun.Targets{InstanceIDs: []string{a.sim.ID(), b.sim.ID()}}, render(hostresult.ModeDeploy, image))
	}
	outcomes := func(hosts []ssmrun.HostResult) map[string]string {
		m := map[string]string{}
		for _, h := range hosts {
			m[h.InstanceID] = h.Outcome
		}
		return m
	}

	if hosts, err := roll(w.v1); err != nil {
		t.Fatalf("v1 to both hosts: %v (%+v)", err, hosts)
	}
	if a.serving(t) != "v1" || b.serving(t) != "v1" {
		t.Fatalf("after v1: a serves %s, b %s", a.serving(t), b.serving(t))
	}

	// b cannot take v2 (its credentials file is gone, which fails the
	// script before any pull): a, moved first, goes back to v1.
	if err := os.Remove(b.params.CredentialsDir + "/app-credentials.json"); err != nil {
		t.Fatal(err)
	}
	hosts, err := roll(w.v2)
	if err == nil {
		t.Fatalf("v2 rolled out with b unable to take it: %+v", hosts)
	}
	got := outcomes(hosts)
	if got[a.sim.ID()] != ssmrun.OutcomeRolledBack || got[b.sim.ID()] != ssmrun.OutcomeFailed {
		t.Errorf("outcomes %v, want a rolled back and b failed", got)
	}
	if a.serving(t) != "v1" || b.serving(t) != "v1" {
		t.Errorf("after the failed v2: a serves %s, b %s; want both back on v1", a.serving(t), b.serving(t))
	}
	if !strings.Contains(err.Error(), "were rolled back to their previous release") {
		t.Errorf("the error does not say the moved host was rolled back: %v", err)
	}
}
