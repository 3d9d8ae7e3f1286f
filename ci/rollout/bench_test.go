package rollout_test

import (
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gangway-dev/gangway/ci/hostresult"
	"github.com/gangway-dev/gangway/ci/rollout"
)

// BenchmarkCutover measures, on one simulated host under a steady request
// loop (2 workers against the nginx public port, each request spending 5 ms
// in the service), medians over b.N rounds of:
//   - s-to-serve: seconds from the start of a rollout to the first response
//     from the new version;
//   - s-rollout: seconds for the whole rollout (including the drain);
//   - failed-req: failed requests during the rollout, and req/s, the rate;
//   - s-rollback: seconds for "rollback" to have the previous version serving;
//   - s-reject: seconds to reject a version that never becomes healthy
//     (health timeout 10 s) with the old one serving throughout.
//
// Run: go test -run '^$' -bench Cutover -benchtime 5x ./rollout
func BenchmarkCutover(b *testing.B) {
	w := getWorld(b)
	h := newHost(b)
	if _, err := h.deploy(b, w.v1); err != nil {
		b.Fatal(err)
	}
	var toServe, rollouts, failed, rate, rollback, reject []float64
	current, next := w.v1, w.v2
	versions := map[string]string{w.v1: "v1", w.v2: "v2"}
	b.ResetTimer()
	for range b.N {
		l := startLoad(h.public+"/health", 2, 5*time.Minute)
		time.Sleep(500 * time.Millisecond) // steady state first
		start := time.Now()
		if _, err := h.deploy(b, next); err != nil {
			b.Fatal(err)
		}
		rollouts = append(rollouts, time.Since(start).Seconds())
		total, fails := l.Stop()
		if fails > 0 {
			b.Errorf("%d failed requests: %q", fails, l.result.Errors)
		}
		toServe = append(toServe, l.result.First[versions[next]].Sub(start).Seconds())
		failed = append(failed, float64(fails))
		rate = append(rate, float64(total)/l.result.Seconds)

		l = startLoad(h.public+"/health", 2, 5*time.Minute)
		start = time.Now()
		if _, err := h.deploy(b, ""); err != nil {
			b.Fatal(err)
		}
		l.Stop()
		rollback = append(rollback, l.result.First[versions[current]].Sub(start).Seconds())

		start = time.Now()
		if res, err := h.deploy(b, w.bad, func(p *rollout.Params) { p.HealthTimeout = 10 * time.Second }); err == nil || res.Status != hostresult.StatusRolledBack {
			b.Fatalf("bad version: %+v, %v", res, err)
		}
		reject = append(reject, time.Since(start).Seconds())
		// After the rollback "current" serves again: the next round goes to "next" again.
	}
	b.StopTimer()
	wrkOnce(b, h, w.v2)
	for _, m := range []struct {
		unit string
		v    []float64
	}{{"s-to-serve", toServe}, {"s-rollout", rollouts}, {"failed-req", failed}, {"req/s", rate}, {"s-rollback", rollback}, {"s-reject", reject}} {
		b.ReportMetric(median(m.v), m.unit)
	}
	b.ReportMetric(0, "ns/op")
	fmt.Printf("cutover figures over %d rounds: to-serve %v s, rollout %v s, failed %v, rate %v req/s, rollback %v s, reject %v s\n",
		b.N, round(toServe), round(rollouts), failed, round(rate), round(rollback), round(reject))
}

// wrkOnce runs wrk (keep-alive connections, no retries) through one more
// rollout and prints its counts: an independent client's view of the switch.
//
// A non-2xx answer, a refused connection or a timeout fails the benchmark.
// Read and write errors are reported, not failed: a reload closes nginx's idle keep-alive connections, and a
// client that sends on one at that instant gets a reset. HTTP clients retry
// such a request (Go's does, which is why the loop above counts none);
// wrk does not, so its count is what a client without retries would see.
func wrkOnce(b *testing.B, h *host, image string) {
	if _, err := exec.LookPath("wrk"); err != nil {
		fmt.Println("wrk is not installed: no wrk figure")
		return
	}
	cmd := exec.Command("wrk", "-t2", "-c8", "-d8s", h.public+"/health")
	done := make(chan []byte, 1)
	go func() { out, _ := cmd.CombinedOutput(); done <- out }()
	time.Sleep(time.Second)
	if _, err := h.deploy(b, image); err != nil {
		b.Fatal(err)
	}
	out := string(<-done)
	var summary []string
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if strings.Contains(line, "requests in") || strings.HasPrefix(line, "Socket errors") || strings.HasPrefix(line, "Non-2xx") || strings.HasPrefix(line, "Requests/sec") {
			summary = append(summary, line)
		}
	}
	var connect, read, write, timeout int
	if i := strings.Index(out, "Socket errors:"); i >= 0 {
		_, _ = fmt.Sscanf(out[i:], "Socket errors: connect %d, read %d, write %d, timeout %d", &connect, &read, &write, &timeout)
	}
	verdict := "no socket errors, no non-2xx responses"
	switch {
	case strings.Contains(out, "Non-2xx") || connect > 0 || timeout > 0:
		verdict = "FAILURES"
		b.Errorf("wrk saw error answers, refused connections or timeouts during the rollout:\n%s", out)
	case read+write > 0:
		verdict = fmt.Sprintf("%d resets of idle keep-alive connections at the reload (a client without retries sees these; see wrkOnce)", read+write)
	}
	fmt.Printf("wrk during a rollout (2 threads, 8 keep-alive connections, 8 s): %s; %s\n", strings.Join(summary, "; "), verdict)
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func round(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(int(x*100+0.5)) / 100
	}
	return out
}
