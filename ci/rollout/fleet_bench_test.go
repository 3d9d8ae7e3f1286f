package rollout_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gangway-dev/gangway/ci/hostresult"
	"github.com/gangway-dev/gangway/ci/localworld"
	"github.com/gangway-dev/gangway/ci/localworld/loadgen"
	"github.com/gangway-dev/gangway/ci/localworld/simhost"
	"github.com/gangway-dev/gangway/ci/rollout"
	"github.com/gangway-dev/gangway/ci/ssmrun"
)

// BenchmarkFleet measures a fleet rollout as the local flow runs it:
// ssmrun's Runner over simhost.Fleet, one host per batch (ssmrun's default
// for two hosts), each host baking 2 s after its cutover, under a steady
// loop of 4 workers through HAProxy over TLS in front of both hosts (the
// ALB's stand-in). Each round rolls the same change side by side, under
// the same load, to a fleet of one host and to the fleet of two; medians
// over b.N rounds of:
//   - s-1-host, s-2-hosts: seconds for the whole rollout;
//   - s-per-batch: the two-host rollout's seconds per batch;
//   - failed-req: failed requests through the load balancer during the
//     two-host rollout, and req/s, the loop's rate;
//   - a release that fails 1.5 s after its cutover (bake 30 s): ms-switch-back,
//     from the first host's bake seeing the failure to traffic back on the
//     previous release, and late-failed-req, the requests through the load
//     balancer that failed during that rollout (the load balancer also sends
//     the failing host requests until its health check takes it out); the
//     second host is never sent it.
//
// Run: go test -run '^$' -bench Fleet -benchtime 3x ./rollout
func BenchmarkFleet(b *testing.B) {
	w := getWorld(b)
	a, c := newHost(b), newHost(b)
	if a.sim.ID() > c.sim.ID() { // the runner goes in id order
		a, c = c, a
	}
	byID := map[string]*host{a.sim.ID(): a, c.sim.ID(): c}
	dir := b.TempDir()
	ca, err := localworld.NewCA(filepath.Join(dir, "ca"))
	if err != nil {
		b.Fatal(err)
	}
	lb, err := localworld.StartLoadBalancer(context.Background(), filepath.Join(dir, "lb"), ca,
		[]string{strings.TrimPrefix(a.public, "http://"), strings.TrimPrefix(c.public, "http://")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(lb.Stop)
	client, err := ca.Client(10 * time.Second)
	if err != nil {
		b.Fatal(err)
	}
	fleet := simhost.NewFleet(a.sim, c.sim)
	try := func(image string, bake time.Duration, hosts ...*host) ([]ssmrun.HostResult, time.Duration, error) {
		b.Helper()
		render := func(mode hostresult.Mode, image string) string {
			script, err := fleet.Render(func(h *simhost.Host) rollout.Params {
				p := byID[h.ID()].params
				p.Mode, p.Image, p.Bake = mode, image, bake
				return p
			})
			if err != nil {
				b.Fatal(err)
			}
			return script
		}
		runner, err := ssmrun.New(nil, ssmrun.WithTransport(fleet), ssmrun.WithRollbackOnFailure(render(hostresult.ModeRollback, "")))
		if err != nil {
			b.Fatal(err)
		}
		var ids []string
		for _, h := range hosts {
			ids = append(ids, h.sim.ID())
		}
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		start := time.Now()
		results, err := runner.Run(ctx, ssmrun.Targets{InstanceIDs: ids}, render(hostresult.ModeDeploy, image))
		return results, time.Since(start), err
	}
	roll := func(image string, hosts ...*host) time.Duration {
		b.Helper()
		results, d, err := try(image, 2*time.Second, hosts...)
		if err != nil {
			b.Fatalf("rolling %s to %d host(s): %v (%+v)", image, len(hosts), err, results)
		}
		return d
	}
	through := func(f func()) loadgen.Result {
		l := loadgen.Start(loadgen.Options{URL: lb.URL + "/health", Workers: 4, Transport: client.Transport.(*http.Transport), Limit: 5 * time.Minute})
		time.Sleep(500 * time.Millisecond) // steady state first
		f()
		return l.Stop()
	}
	roll(w.v1, a, c)

	var one, two, perBatch, failed, rate, switchBack, lateFailed []float64
	current, next := w.v1, w.v2
	b.ResetTimer()
	for range b.N {
		// Both rollouts under the same load, through the load balancer.
		var d1 time.Duration
		through(func() { d1 = roll(next, a) })
		one = append(one, d1.Seconds())
		roll(current, a) // back, so that both hosts change in the two-host rollout
		var d time.Duration
		r := through(func() { d = roll(next, a, c) })
		two = append(two, d.Seconds())
		perBatch = append(perBatch, d.Seconds()/2)
		failed = append(failed, float64(r.Failed))
		rate = append(rate, r.Rate)
		if r.Failed > 0 {
			b.Errorf("%d of %d requests through the load balancer failed during the fleet rollout: %q", r.Failed, r.Requests, r.Errors)
		}
		current, next = next, current

		var results []ssmrun.HostResult
		var lateErr error
		r = through(func() { results, _, lateErr = try(w.late, 30*time.Second, a, c) })
		if lateErr == nil || len(results) != 2 || results[0].Result == nil || results[0].Result.Status != hostresult.StatusRolledBack ||
			results[1].Outcome != ssmrun.OutcomeNotAttempted {
			b.Fatalf("the late release: %v, %+v; want the first host rolled back by its bake and the second not attempted", lateErr, results)
		}
		switchBack = append(switchBack, float64(results[0].Result.SwitchBackMillis))
		lateFailed = append(lateFailed, float64(r.Failed))
	}
	b.StopTimer()
	for _, m := range []struct {
		unit string
		v    []float64
	}{{"s-1-host", one}, {"s-2-hosts", two}, {"s-per-batch", perBatch}, {"failed-req", failed}, {"req/s", rate}, {"ms-switch-back", switchBack}, {"late-failed-req", lateFailed}} {
		b.ReportMetric(median(m.v), m.unit)
	}
	b.ReportMetric(0, "ns/op")
	fmt.Printf("fleet figures over %d rounds (one host per batch, 2 s bake each): 1 host %v s, 2 hosts %v s (median ratio %.2f), per batch %v s; through the load balancer: failed %v, rate %v req/s; a late failure: switched back %v ms after the bake saw it, %v requests through the load balancer failed during that rollout\n",
		b.N, round(one), round(two), median(two)/median(one), round(perBatch), failed, round(rate), switchBack, lateFailed)
}
