package localflow

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gangway-dev/gangway/ci/localworld"
	"github.com/gangway-dev/gangway/ci/localworld/simhost"
	"github.com/gangway-dev/gangway/ci/tf"
)

// TestStatusOfAWaitingWorld: --status reads a kept world and the run that
// waits for the approval from their records, without touching anything;
// nothing recorded is no world, and a damaged record is an error.
func TestStatusOfAWaitingWorld(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if st, err := Status("", dir); err != nil || st.Kept || st.Waiting != nil {
		t.Fatalf("Status of an empty directory = %+v, %v", st, err)
	}
	hostDir := filepath.Join(dir, "world", "host-test")
	w := &world{dir: dir, state: worldState{Kept: true, Runs: 3, Hosts: map[string][]simhost.State{
		"test": {{Dir: hostDir, Name: "gangway-local-x-test-1", Ports: [3]int{1, 2, 8080}}},
	}, LoadBalancers: map[string]localworld.LoadBalancerState{"test": {URL: "https://127.0.0.1:8443", PID: 1}}}}
	if err := w.save(); err != nil {
		t.Fatal(err)
	}
	stateDir := simhost.Attach(w.state.Hosts["test"][0]).Params().StateDir
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stateDir, "current"), []byte("reg/gangway-test@sha256:abc blue\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	plan := &tf.PlanOutput{Summary: tf.Summary{Add: 1}, BundleSHA256: "feed"}
	since := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	if err := writePending(dir, pending{Since: since, Commit: "c0ffee", Report: &Report{Version: "v3", TestImage: "reg/gangway-test@sha256:abc", ProdPlan: plan}}); err != nil {
		t.Fatal(err)
	}
	st, err := Status("", dir)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Kept || st.Runs != 3 || st.Hosts["test"].Image != "reg/gangway-test@sha256:abc" || st.Hosts["test"].URL != "https://127.0.0.1:8443" {
		t.Errorf("Status = %+v", st)
	}
	if wt := st.Waiting; wt == nil || wt.Version != "v3" || wt.PlanSHA256 != "feed" || !wt.Since.Equal(since) || !strings.HasPrefix(wt.Plan, "1 to add") {
		t.Errorf("waiting = %+v", st.Waiting)
	}
	if err := removePending(dir); err != nil {
		t.Fatal(err)
	}
	if st, _ := Status("", dir); st.Waiting != nil {
		t.Errorf("still waiting after the record was removed: %+v", st.Waiting)
	}
	if err := os.WriteFile(filepath.Join(dir, pendingFile), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Status("", dir); err == nil {
		t.Error("a damaged record of the waiting run read as fine")
	}
}
