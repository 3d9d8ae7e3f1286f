package rollout_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gangway-dev/gangway/ci/hostresult"
	"github.com/gangway-dev/gangway/ci/rollout"
)

// TestHostLifecycle runs the generated script for real on one simulated
// host, each step on the state the previous one left, under a steady request
// loop wherever traffic moves or must not move.
func TestHostLifecycle(t *testing.T) {
	t.Parallel()
	w := getWorld(t)
	h := newHost(t)

	// First deploy: no slot serves yet, nginx has no site.
	res, err := h.deploy(t, w.v1)
	if err != nil {
		t.Fatalf("first deploy: %v", err)
	}
	if res.Status != hostresult.StatusDeployed || res.Slot != "blue" || res.Version != "v1" || res.Previous != "" {
		t.Errorf("first deploy result = %+v, want deployed to blue, version v1, no previous", res)
	}
	if got := h.serving(t); got != "v1" {
		t.Fatalf("after the first deploy the public port serves %q, want v1", got)
	}

	t.Run("same digest again changes nothing", func(t *testing.T) {
		before := h.containers(t)
		res, err := h.deploy(t, w.v1)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != hostresult.StatusUnchanged || res.Slot != "blue" {
			t.Errorf("result = %+v, want unchanged in blue", res)
		}
		if after := h.containers(t); !equalMaps(before, after) {
			t.Errorf("containers changed: before %v, after %v", before, after)
		}
	})

	t.Run("a good version rolls out with zero failed requests", func(t *testing.T) {
		l := startLoad(h.public+"/health", 2, 2*time.Minute)
		res, err := h.deploy(t, w.v2)
		time.Sleep(300 * time.Millisecond) // the loop sees the settled state too
		l.check(t, "v1", "v2")
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != hostresult.StatusDeployed || res.Slot != "green" || res.Version != "v2" || res.Previous != w.v1 {
			t.Errorf("result = %+v, want deployed to green, version v2, previous v1", res)
		}
		if got := h.serving(t); got != "v2" {
			t.Errorf("public port serves %q, want v2", got)
		}
		c := h.containers(t)
		if _, ok := c[h.params.NamePrefix+"-blue"]; ok || len(c) != 1 {
			t.Errorf("running containers = %v, want only the green slot", c)
		}
	})

	t.Run("a version that never becomes healthy never takes traffic", func(t *testing.T) {
		before := h.containers(t)
		l := startLoad(h.public+"/health", 2, 2*time.Minute)
		res, err := h.deploy(t, w.bad, func(p *rollout.Params) { p.HealthTimeout = 5 * time.Second })
		l.check(t, "v2")
		if err == nil || res.Status != hostresult.StatusRolledBack {
			t.Fatalf("result = %+v, err %v; want rolled_back and an error", res, err)
		}
		if !strings.Contains(res.Message, "/db/status") {
			t.Errorf("message %q does not say which check failed", res.Message)
		}
		if after := h.containers(t); !equalMaps(before, after) {
			t.Errorf("containers changed: before %v, after %v", before, after)
		}
		if got := h.serving(t); got != "v2" {
			t.Errorf("public port serves %q, want v2", got)
		}
	})

	t.Run("a missing digest fails at pull and leaves the old untouched", func(t *testing.T) {
		before := h.containers(t)
		site, _ := os.ReadFile(h.params.NginxSite)
		res, err := h.deploy(t, w.missing)
		if err == nil || res.Status != hostresult.StatusFailed || !strings.Contains(res.Message, "pulling") {
			t.Fatalf("result = %+v, err %v; want failed at pull", res, err)
		}
		if after := h.containers(t); !equalMaps(before, after) {
			t.Errorf("containers changed: before %v, after %v", before, after)
		}
		if after, _ := os.ReadFile(h.params.NginxSite); string(after) != string(site) {
			t.Errorf("the nginx site changed after a failed pull")
		}
		if got := h.serving(t); got != "v2" {
			t.Errorf("public port serves %q, want v2", got)
		}
	})

	t.Run("rollback returns to the previous digest with zero failed requests", func(t *testing.T) {
		l := startLoad(h.public+"/health", 2, 2*time.Minute)
		res, err := h.deploy(t, "")
		time.Sleep(300 * time.Millisecond)
		l.check(t, "v1", "v2")
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != hostresult.StatusDeployed || res.Mode != "rollback" || res.Image != w.v1 || res.Previous != w.v2 {
			t.Errorf("result = %+v, want deployed by rollback to v1 from v2", res)
		}
		if got := h.serving(t); got != "v1" {
			t.Errorf("public port serves %q, want v1", got)
		}
		// The state now offers v2 as the next rollback target.
		prev, _ := os.ReadFile(filepath.Join(h.params.StateDir, "previous"))
		if got := strings.TrimSpace(string(prev)); got != w.v2 {
			t.Errorf("recorded previous = %q, want %q", got, w.v2)
		}
	})
}

func TestRollbackWithoutPrevious(t *testing.T) {
	t.Parallel()
	getWorld(t)
	h := newHost(t)
	res, err := h.deploy(t, "")
	if err == nil || res.Status != hostresult.StatusFailed || !strings.Contains(res.Message, "no previous version") {
		t.Errorf("result = %+v, err %v; want failed: no previous version", res, err)
	}
}

// TestConcurrentRollouts holds the host lock with a slow rollout and starts
// two more: one with a short lock timeout fails cleanly, one with a long
// timeout waits and then finds its digest already serving.
func TestConcurrentRollouts(t *testing.T) {
	t.Parallel()
	w := getWorld(t)
	h := newHost(t)
	if _, err := h.deploy(t, w.v1); err != nil {
		t.Fatalf("first deploy: %v", err)
	}
	type outcome struct {
		res hostresult.Result
		err error
	}
	slow := make(chan outcome, 1)
	go func() {
		res, err := h.deploy(t, w.v2, func(p *rollout.Params) { p.Drain = 4 * time.Second })
		slow <- outcome{res, err}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !lockHeld(h.params.StateDir) {
		if time.Now().After(deadline) {
			t.Fatal("the first rollout never took the lock")
		}
		time.Sleep(20 * time.Millisecond)
	}

	res, err := h.deploy(t, w.v2, func(p *rollout.Params) { p.LockTimeout = time.Second })
	if err == nil || res.Status != hostresult.StatusFailed || !strings.Contains(res.Message, "another rollout") {
		t.Errorf("impatient rollout: result = %+v, err %v; want failed because another rollout runs", res, err)
	}
	waiting, err := h.deploy(t, w.v2, func(p *rollout.Params) { p.LockTimeout = 2 * time.Minute })
	first := <-slow
	if first.err != nil || first.res.Status != hostresult.StatusDeployed {
		t.Fatalf("first rollout: %+v, %v", first.res, first.err)
	}
	if err != nil || waiting.Status != hostresult.StatusUnchanged {
		t.Errorf("waiting rollout: result = %+v, err %v; want unchanged after the first one finished", waiting, err)
	}
	if got := h.serving(t); got != "v2" {
		t.Errorf("public port serves %q, want v2", got)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestECRLogin runs the ecr login mode with a stand-in "aws" on PATH: the
// token goes from aws to the container CLI's login through a pipe and never
// into the output.
func TestECRLogin(t *testing.T) {
	t.Parallel()
	w := getWorld(t)
	h := newHost(t)
	bin := filepath.Join(h.dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	const token = "ecr-token-must-not-leak-4f2a"
	fakeAWS := "#!/bin/sh\necho \"$@\" >> " + filepath.Join(h.dir, "aws.calls") + "\necho " + token + "\n"
	if err := os.WriteFile(filepath.Join(bin, "aws"), []byte(fakeAWS), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = run(context.Background(), "podman", "logout", w.registry) })
	res, out, err := h.deployEnv(t, w.v1, []string{"PATH=" + bin + ":" + os.Getenv("PATH")}, func(p *rollout.Params) {
		p.Login, p.Region = rollout.LoginECR, "eu-west-1"
	})
	if err != nil || res.Status != hostresult.StatusDeployed {
		t.Fatalf("result = %+v, err %v", res, err)
	}
	calls, _ := os.ReadFile(filepath.Join(h.dir, "aws.calls"))
	if got, want := strings.TrimSpace(string(calls)), "ecr get-login-password --region eu-west-1"; got != want {
		t.Errorf("aws was called with %q, want %q", got, want)
	}
	if strings.Contains(out, token) {
		t.Error("the registry token appears in the script's output")
	}
	logs, _ := filepath.Glob(filepath.Join(h.params.StateDir, "logs", "*.log"))
	for _, l := range logs {
		if b, _ := os.ReadFile(l); strings.Contains(string(b), token) {
			t.Errorf("the registry token appears in the host log %s", l)
		}
	}
}

// TestSlotPortTaken: something else answering on the free slot's port must
// never pass the health gate in the new version's name.
func TestSlotPortTaken(t *testing.T) {
	t.Parallel()
	w := getWorld(t)
	h := newHost(t)
	if _, err := h.deploy(t, w.v1); err != nil {
		t.Fatalf("first deploy: %v", err)
	}
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", h.params.GreenPort))
	if err != nil {
		t.Fatal(err)
	}
	stranger := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"ok","version":"stranger"}`)
	})}
	go func() { _ = stranger.Serve(l) }()
	t.Cleanup(func() { _ = stranger.Close() })

	res, err := h.deploy(t, w.v2)
	if err == nil || res.Status != hostresult.StatusFailed || !strings.Contains(res.Message, "already in use") {
		t.Errorf("result = %+v, err %v; want failed because the slot port is taken", res, err)
	}
	if got := h.serving(t); got != "v1" {
		t.Errorf("public port serves %q, want v1", got)
	}
}

// TestContainerIsConfined: the app container runs on its own network with
// its port on loopback only, a read-only root, no capabilities, no
// privilege gain, bounded memory and processes, and its credentials
// mounted read-only. Seen from inside (the test server's /confinement) and
// from podman.
func TestContainerIsConfined(t *testing.T) {
	t.Parallel()
	w := getWorld(t)
	h := newHost(t)
	res, err := h.deploy(t, w.v1)
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}

	resp, err := http.Get(h.public + "/confinement")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var inside struct {
		RootWritable        bool   `json:"root_writable"`
		TmpWritable         bool   `json:"tmp_writable"`
		CredentialsWritable bool   `json:"credentials_writable"`
		CapEff              string `json:"cap_eff"`
		NoNewPrivs          string `json:"no_new_privs"`
		Credentials         string `json:"credentials"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&inside); err != nil {
		t.Fatal(err)
	}
	if inside.RootWritable || inside.CredentialsWritable || !inside.TmpWritable {
		t.Errorf("inside: root writable %v, credentials writable %v, /tmp writable %v; want a read-only root and credentials, and a writable /tmp",
			inside.RootWritable, inside.CredentialsWritable, inside.TmpWritable)
	}
	if inside.CapEff != "0000000000000000" || inside.NoNewPrivs != "1" {
		t.Errorf("inside: CapEff %s, NoNewPrivs %s; want no capabilities and no privilege gain", inside.CapEff, inside.NoNewPrivs)
	}
	if inside.Credentials != "readable" {
		t.Errorf("inside: the credentials file is %q, want readable", inside.Credentials)
	}

	name := h.params.NamePrefix + "-" + res.Slot
	out, err := run(context.Background(), "podman", "inspect", name, "--format",
		"{{.HostConfig.NetworkMode}}|{{json .HostConfig.PortBindings}}|{{.HostConfig.Memory}}|{{.HostConfig.PidsLimit}}")
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`bridge|{"8000/tcp":[{"HostIp":"127.0.0.1","HostPort":"%d"}]}|536870912|256`, h.params.BluePort)
	if got := strings.TrimSpace(out); got != want {
		t.Errorf("podman inspect %s = %s, want %s", name, got, want)
	}
}

// TestMissingCredentialsChangeNothing: without the app's credentials the
// rollout stops before pulling, and the running version keeps serving.
func TestMissingCredentialsChangeNothing(t *testing.T) {
	t.Parallel()
	w := getWorld(t)
	h := newHost(t)
	if _, err := h.deploy(t, w.v1); err != nil {
		t.Fatalf("first deploy: %v", err)
	}
	before := h.containers(t)
	res, err := h.deploy(t, w.v2, func(p *rollout.Params) { p.CredentialsDir = t.TempDir() })
	if err == nil || res.Status != hostresult.StatusFailed || !strings.Contains(res.Message, "app-credentials.json are missing") {
		t.Errorf("result = %+v, err %v; want failed on the missing credentials", res, err)
	}
	if after := h.containers(t); !equalMaps(before, after) {
		t.Errorf("containers changed: before %v, after %v", before, after)
	}
	if got := h.serving(t); got != "v1" {
		t.Errorf("public port serves %q, want v1", got)
	}
}

// TestLateFailureSwitchesBack: a version that passes the health gate and
// fails after the cutover is caught by the bake, and the host switches
// back to the previous version by itself, which it kept running; the
// result counts the failed requests and the time to switch back.
func TestLateFailureSwitchesBack(t *testing.T) {
	t.Parallel()
	w := getWorld(t)
	h := newHost(t)
	if _, err := h.deploy(t, w.v1); err != nil {
		t.Fatalf("first deploy: %v", err)
	}
	l := startLoad(h.public+"/health", 2, 2*time.Minute)
	res, err := h.deploy(t, w.late, func(p *rollout.Params) { p.Bake = 30 * time.Second })
	time.Sleep(300 * time.Millisecond)
	total, failures := l.Stop()
	if err == nil || res.Status != hostresult.StatusRolledBack || !strings.Contains(res.Message, "after the cutover") || !strings.Contains(res.Message, "Switched back to "+w.v1) {
		t.Fatalf("result = %+v, err %v; want rolled_back during the bake, back on v1", res, err)
	}
	if res.Slot != "blue" || res.FailedRequests < 1 || res.SwitchBackMillis <= 0 {
		t.Errorf("result = %+v; want slot blue, failed requests counted, the switch-back time", res)
	}
	if res.Seconds >= 30 {
		t.Errorf("the rollout took %ds: the bake should stop at the failure, not run its 30s", res.Seconds)
	}
	if got := h.serving(t); got != "v1" {
		t.Errorf("public port serves %q, want v1", got)
	}
	if c := h.containers(t); len(c) != 1 || c[h.params.NamePrefix+"-blue"] == "" {
		t.Errorf("containers = %v, want the blue one alone (the late one removed)", c)
	}
	current, _ := os.ReadFile(filepath.Join(h.params.StateDir, "current"))
	if got, want := strings.TrimSpace(string(current)), w.v1+" blue"; got != want {
		t.Errorf("state current = %q, want %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(h.params.StateDir, "previous")); !os.IsNotExist(err) {
		t.Errorf("state previous: %v; want none, as before the failed deploy", err)
	}
	t.Logf("under load: %d requests, %d failed; the host reported %d 5xx and switched back in %d ms",
		total, failures, res.FailedRequests, res.SwitchBackMillis)

	// The next good release deploys as if the late one never happened.
	res, err = h.deploy(t, w.v2)
	if err != nil || res.Status != hostresult.StatusDeployed || res.Previous != w.v1 {
		t.Errorf("deploy after the switch back = %+v, %v; want deployed with previous v1", res, err)
	}
}
