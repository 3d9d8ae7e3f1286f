package tf

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBindingCheckState(t *testing.T) {
	t.Parallel()
	l1 := State{Exists: true, Lineage: "L1", Serial: 3}
	cases := []struct {
		name           string
		bound, current State
		wantErr        string
	}{
		{"same empty state", State{}, State{}, ""},
		{"same state", l1, l1, ""},
		{"applied on empty state already", State{}, State{Exists: true, Lineage: "L1", Serial: 1}, "made on an empty state, but a state now exists"},
		{"state removed", l1, State{}, "holds no state"},
		{"other lineage", l1, State{Exists: true, Lineage: "L2", Serial: 3}, "another state (lineage L1)"},
		{"stale serial", l1, State{Exists: true, Lineage: "L1", Serial: 4}, "stale: made at state serial 3, the state is now at serial 4"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := Binding{State: tc.bound}.CheckState(tc.current)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckState: %v", err)
				}
				return
			}
			var re *RefusedError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("CheckState error = %v, want a *RefusedError containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestBindingCheckTarget(t *testing.T) {
	t.Parallel()
	b := Binding{Env: "test", Bucket: "state", Key: stateKey("test")}
	if err := b.CheckTarget("test", Backend{Bucket: "state"}); err != nil {
		t.Errorf("CheckTarget same: %v", err)
	}
	if err := b.CheckTarget("prod", Backend{Bucket: "state"}); err == nil || !strings.Contains(err.Error(), `made for environment "test", not "prod"`) {
		t.Errorf("CheckTarget other env: %v", err)
	}
	if err := b.CheckTarget("test", Backend{Bucket: "other"}); err == nil || !strings.Contains(err.Error(), "s3://state/gangway/test/terraform.tfstate, not s3://other/") {
		t.Errorf("CheckTarget other bucket: %v", err)
	}
}

func TestBindingRoundTripAndDigest(t *testing.T) {
	t.Parallel()
	plan := filepath.Join(t.TempDir(), "p.tfplan")
	if err := os.WriteFile(plan, []byte("plan bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadBinding(plan); err == nil || !strings.Contains(err.Error(), "no binding file") {
		t.Fatalf("ReadBinding without file: %v", err)
	}
	sum, _ := fileSHA256(plan)
	if err := WriteBinding(plan, Binding{Env: "test", PlanSHA256: sum}); err != nil {
		t.Fatal(err)
	}
	b, err := ReadBinding(plan)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.CheckPlanFile(plan); err != nil {
		t.Errorf("CheckPlanFile of the bound file: %v", err)
	}
	if err := os.WriteFile(plan, []byte("other plan"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := b.CheckPlanFile(plan); err == nil || !strings.Contains(err.Error(), "not the one that was reviewed") {
		t.Errorf("CheckPlanFile of a swapped file: %v", err)
	}
	if err := os.WriteFile(BindingPath(plan), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadBinding(plan); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Errorf("ReadBinding of bad JSON: %v", err)
	}
}
