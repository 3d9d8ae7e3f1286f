package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gangway-dev/gangway/ci/history"
	"github.com/gangway-dev/gangway/ci/rollout"
	"github.com/gangway-dev/gangway/ci/tf"
	"github.com/gangway-dev/gangway/ci/tf/tftest"
	"github.com/gangway-dev/gangway/internal/components"
)

// The terraform subcommands end to end against moto_server and the fixture
// configuration: bootstrap, plan, gha plan, apply of the reviewed plan, its
// refused second apply, outputs, and a plan with no changes.
func TestTerraformFlow(t *testing.T) {
	t.Parallel()
	m := components.MotoT(t)
	env := motoEnv(t, m)
	env["TF_CLI_CONFIG_FILE"] = tftest.CLIConfig(t)
	dir := tftest.Fixture(t)
	work := t.TempDir()

	for i := 0; i < 2; i++ { // idempotent
		code, stdout, stderr := run(t, env, "bootstrap")
		if code != ExitOK {
			t.Fatalf("bootstrap: exit %d: %s", code, stderr)
		}
		if got := decode(t, stdout); got["bucket"] != "gangway-state" || got["created"] != (i == 0) {
			t.Errorf("bootstrap #%d = %v", i, got)
		}
	}

	planFile := filepath.Join(work, "test.tfplan")
	md := filepath.Join(work, "plan.md")
	code, stdout, stderr := run(t, env, "plan", "--env", "test", "--dir", dir, "--out", planFile, "--summary-md", md)
	if code != ExitOK {
		t.Fatalf("plan: exit %d: %s", code, stderr)
	}
	plan := decode(t, stdout)
	if plan["has_changes"] != true || plan["summary"].(map[string]any)["add"] != 2.0 || plan["binding_file"] != planFile+".binding.json" {
		t.Errorf("plan JSON = %v", plan)
	}
	mdText, _ := os.ReadFile(md)
	if !strings.Contains(string(mdText), "| create | `aws_s3_bucket.data` |") {
		t.Errorf("Markdown summary = %q", mdText)
	}

	// The plan JSON feeds the job summary.
	planJSON := filepath.Join(work, "plan.json")
	if err := os.WriteFile(planJSON, []byte(stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	summary, outputs := filepath.Join(work, "summary"), filepath.Join(work, "output")
	ghaEnv := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary, "GITHUB_OUTPUT": outputs}
	if code, _, stderr := run(t, ghaEnv, "gha", "plan", "--input", planJSON); code != ExitOK {
		t.Fatalf("gha plan: exit %d: %s", code, stderr)
	}
	if got, _ := os.ReadFile(summary); string(got) != string(mdText)+"\n" {
		t.Errorf("job summary = %q, want the plan's Markdown %q", got, mdText)
	}

	code, stdout, stderr = run(t, env, "apply", "--env", "test", "--dir", dir, "--plan", planFile)
	if code != ExitOK {
		t.Fatalf("apply: exit %d: %s", code, stderr)
	}
	if got := decode(t, stdout); got["applied"] != true {
		t.Errorf("apply JSON = %v", got)
	}

	code, stdout, stderr = run(t, env, "apply", "--env", "test", "--dir", dir, "--plan", planFile)
	if code != ExitFailure || !strings.Contains(stderr, "made on an empty state, but a state now exists") {
		t.Errorf("second apply: exit %d, stderr %q; want 1 and the fresh-state refusal", code, stderr)
	}
	if got := decode(t, stdout); got["error"] != "plan_refused" {
		t.Errorf("second apply JSON = %v", got)
	}

	code, stdout, stderr = run(t, env, "outputs", "--env", "test", "--dir", dir)
	if code != ExitOK {
		t.Fatalf("outputs: exit %d: %s", code, stderr)
	}
	outs := decode(t, stdout)
	if len(outs) != len(tf.OutputNames) || outs["environment"] != "test" || outs["bucket_name"] != "gangway-test-fixture-data" {
		t.Errorf("outputs = %v", outs)
	}

	code, stdout, stderr = run(t, env, "plan", "--env", "test", "--dir", dir, "--out", filepath.Join(work, "again.tfplan"))
	if code != ExitOK {
		t.Fatalf("second plan: exit %d: %s", code, stderr)
	}
	if got := decode(t, stdout); got["has_changes"] != false || got["summary"].(map[string]any)["no_changes"] != true {
		t.Errorf("second plan JSON = %v", got)
	}

	// prod has no state yet: outputs and status fail clearly.
	for _, cmd := range []string{"outputs", "status"} {
		code, _, stderr = run(t, env, cmd, "--env", "prod", "--dir", dir)
		if code != ExitFailure || !strings.Contains(stderr, "apply the environment first") {
			t.Errorf("prod %s: exit %d, stderr %q", cmd, code, stderr)
		}
	}

	// status: the outputs, the last deploy record, the hosts SSM lists
	// (moto cannot list them: said in hosts_error, not a failure).
	code, stdout, stderr = run(t, env, "status", "--env", "test", "--dir", dir)
	if code != ExitFailure || !strings.Contains(stderr, "test was never deployed by the pipeline") {
		t.Errorf("status before any deploy: exit %d, stderr %q", code, stderr)
	}
	if st := decode(t, stdout); st["last_deploy"] != nil || st["outputs"].(map[string]any)["environment"] != "test" {
		t.Errorf("status before any deploy = %v", st)
	}
	api, _ := motoClients(t, m)
	image := "123456789012.dkr.ecr.us-east-1.amazonaws.com/gangway-test@sha256:" + hex64
	rec := history.Record{Env: "test", Kind: "rollout", Actor: "ana", Image: image, Started: time.Now(), Result: "deployed", Hosts: 2}
	if err := (history.Store{S3: api, Bucket: "gangway-state"}).Put(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = run(t, env, "status", "--env", "test", "--dir", dir)
	if code != ExitOK {
		t.Fatalf("status: exit %d: %s", code, stderr)
	}
	st := decode(t, stdout)
	last, _ := st["last_deploy"].(map[string]any)
	if last["image"] != image || last["result"] != "deployed" || st["outputs"].(map[string]any)["bucket_name"] != "gangway-test-fixture-data" ||
		!strings.Contains(fmt.Sprint(st["hosts_error"]), "DescribeInstanceInformation") {
		t.Errorf("status = %v", st)
	}
	if !strings.Contains(stderr, "last deploy: rollout of "+image+" by ana") {
		t.Errorf("status log = %q", stderr)
	}

	// Each online host is asked over SSM what its last rollout recorded
	// (the read-only state script); an offline one and one whose answer
	// has no state line say so.
	shim, sent := ssmShim(t, m.Endpoint, map[string]string{
		"i-0aaa": "log\n" + rollout.StatePrefix + `{"image":"` + image + `","slot":"green","previous":""}` + "\n",
		"i-0bbb": "bash: something went wrong\n",
		"i-0ccc": "offline",
	})
	shimmed := maps.Clone(env)
	shimmed["AWS_ENDPOINT_URL"] = shim
	code, stdout, stderr = run(t, shimmed, "status", "--env", "test", "--dir", dir)
	if code != ExitOK {
		t.Fatalf("status through the SSM shim: exit %d: %s", code, stderr)
	}
	var hosts struct {
		Hosts []struct {
			InstanceID string             `json:"instance_id"`
			PingStatus string             `json:"ping_status"`
			State      *rollout.HostState `json:"state"`
			Error      string             `json:"error"`
		} `json:"hosts"`
	}
	if err := json.Unmarshal([]byte(stdout), &hosts); err != nil || len(hosts.Hosts) != 3 {
		t.Fatalf("status hosts: %v, %s", err, stdout)
	}
	a, b, c := hosts.Hosts[0], hosts.Hosts[1], hosts.Hosts[2]
	if a.InstanceID != "i-0aaa" || a.State == nil || a.State.Image != image || a.State.Slot != "green" ||
		b.State != nil || !strings.Contains(b.Error, "no GANGWAY_STATE line") ||
		c.PingStatus != "ConnectionLost" || c.State != nil || !strings.Contains(c.Error, "not asked") {
		t.Errorf("hosts = %+v", hosts.Hosts)
	}
	if cmds := sent(); len(cmds) != 1 || !strings.Contains(cmds[0], rollout.StateScript("/var/lib/gangway")) {
		t.Errorf("commands sent = %q, want one: the state script", cmds)
	}
	if !strings.Contains(stderr, "i-0aaa Online: serves "+image+" (slot green)") {
		t.Errorf("status log = %q", stderr)
	}
	code, stdout, _ = run(t, shimmed, "status", "--env", "test", "--dir", dir, "--ask-hosts=false")
	hosts.Hosts = nil
	if err := json.Unmarshal([]byte(stdout), &hosts); code != ExitOK || err != nil || len(hosts.Hosts) != 3 || hosts.Hosts[0].State != nil || len(sent()) != 1 {
		t.Errorf("status --ask-hosts=false: exit %d, hosts %+v, %d commands sent in all; want the 3 hosts, no state, no new command", code, hosts.Hosts, len(sent()))
	}
}

func TestHeldLockCLI(t *testing.T) {
	t.Parallel()
	m := components.MotoT(t)
	env := motoEnv(t, m)
	env["TF_CLI_CONFIG_FILE"] = tftest.CLIConfig(t)
	dir := tftest.Fixture(t)
	if code, _, stderr := run(t, env, "bootstrap"); code != ExitOK {
		t.Fatalf("bootstrap: %s", stderr)
	}
	// A second terraform really holding the lock would need a long-running
	// operation; the lock object is exactly what such a process leaves.
	putLock(t, m, "gangway-state", "gangway/test/terraform.tfstate.tflock",
		`{"ID":"f00dfeed-0000-4000-8000-000000000001","Operation":"OperationTypeApply","Info":"","Who":"carol@laptop","Version":"1.11.4","Created":"2026-11-26T19:00:00Z","Path":"gangway-state/gangway/test/terraform.tfstate"}`)
	code, stdout, stderr := run(t, env, "plan", "--env", "test", "--dir", dir, "--out", filepath.Join(t.TempDir(), "p"), "--lock-timeout", "2s")
	if code != ExitFailure {
		t.Fatalf("plan under a held lock: exit %d: %s", code, stderr)
	}
	for _, s := range []string{"carol@laptop", "f00dfeed-0000-4000-8000-000000000001", "waited 2s"} {
		if !strings.Contains(stderr, s) {
			t.Errorf("stderr lacks %q: %s", s, stderr)
		}
	}
	got := decode(t, stdout)
	if got["error"] != "state_locked" || got["lock"].(map[string]any)["who"] != "carol@laptop" {
		t.Errorf("plan JSON = %v", got)
	}
}
