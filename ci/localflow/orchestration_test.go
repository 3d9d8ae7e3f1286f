package localflow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gangway-dev/gangway/ci/tf"
)

// fakeWork stands in for the local world: each stage passes, or returns
// the error fail names for it, in microseconds.
type fakeWork struct {
	f      *flow
	fail   map[string]error
	calls  []string
	opens  bool
	waited bool // the flow was waiting for the approval when it finished
}

func (w *fakeWork) do(name string) (string, error) {
	w.calls = append(w.calls, name)
	if err := w.fail[name]; err != nil {
		return "", err
	}
	return name + " done", nil
}

func (w *fakeWork) preflight() error {
	_, err := w.do("preflight")
	return err
}

func (w *fakeWork) startWorld(context.Context) (string, error) {
	w.opens = true
	return w.do("world")
}

func (w *fakeWork) reopenWorld(context.Context) (string, error) {
	w.opens = true
	return w.do("reopen")
}

func (w *fakeWork) preview(context.Context) (string, error)    { return w.do("preview") }
func (w *fakeWork) deployTest(context.Context) (string, error) { return w.do("deploy-test") }
func (w *fakeWork) integrationTests(context.Context) (string, error) {
	return w.do("integration-tests")
}

// storeProdPlan records a plan, as the real one does, so that a resumed
// run finds the plan the approval was for.
func (w *fakeWork) storeProdPlan(context.Context) (string, error) {
	detail, err := w.do("prod-plan")
	if err == nil {
		w.f.prodPlan = &tf.PlanOutput{Env: "prod"}
		w.f.report.ProdPlan = w.f.prodPlan
	}
	return detail, err
}

func (w *fakeWork) approve(context.Context) (string, error)    { return w.do("approval") }
func (w *fakeWork) deployProd(context.Context) (string, error) { return w.do("deploy-prod") }
func (w *fakeWork) checkDrift(context.Context) (string, error) { return w.do("drift") }
func (w *fakeWork) opened() bool                               { return w.opens }
func (w *fakeWork) finish()                                    { w.waited = w.f.waiting }

// runFake runs the flow in dir with a fake world that fails as fail says.
func runFake(t *testing.T, dir string, opts Options, fail map[string]error) (*Report, *fakeWork, error) {
	t.Helper()
	opts.Root, opts.Dir = dir, dir
	f, err := newFlow(opts)
	if err != nil {
		t.Fatal(err)
	}
	w := &fakeWork{f: f, fail: fail}
	f.work = w
	rep, err := f.execute(context.Background())
	return rep, w, err
}

// stageResults is the report's stages as "name:result".
func stageResults(rep *Report) []string {
	var out []string
	for _, s := range rep.Stages {
		out = append(out, s.Name+":"+string(s.Result))
	}
	return out
}

func TestFlowOrdersStagesAndReportsEachOutcome(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	passedTo := func(last string) []string {
		all := []string{"world", "preview", "deploy-test", "integration-tests", "prod-plan", "approval", "deploy-prod", "drift"}
		var out []string
		for _, s := range all[:slices.Index(all, last)] {
			out = append(out, s+":passed")
		}
		return out
	}
	cases := []struct {
		name   string
		fail   map[string]error
		result string
		stages []string
		// errIs is what the returned error wraps; nil: no error.
		errIs error
	}{
		{"every stage passes", nil, ResultDeployed, append(passedTo("drift"), "drift:passed"), nil},
		{"preflight", map[string]error{"preflight": boom}, ResultFailed, nil, boom},
		{"world", map[string]error{"world": boom}, ResultFailed, []string{"world:failed"}, boom},
		{"preview", map[string]error{"preview": boom}, ResultFailed, append(passedTo("preview"), "preview:failed"), boom},
		{"deploy-test", map[string]error{"deploy-test": boom}, ResultFailed, append(passedTo("deploy-test"), "deploy-test:failed"), boom},
		{"integration tests", map[string]error{"integration-tests": boom}, ResultGateFailed,
			append(passedTo("integration-tests"), "integration-tests:failed", "approval:skipped", "deploy-prod:skipped"), boom},
		{"prod plan", map[string]error{"prod-plan": boom}, ResultFailed,
			append(passedTo("prod-plan"), "prod-plan:failed", "approval:skipped", "deploy-prod:skipped"), boom},
		{"approval required", map[string]error{"approval": ErrApprovalRequired}, ResultApprovalRequired,
			append(passedTo("approval"), "approval:stopped", "deploy-prod:skipped"), ErrApprovalRequired},
		{"approval rejected", map[string]error{"approval": ErrRejected}, ResultRejected,
			append(passedTo("approval"), "approval:stopped", "deploy-prod:skipped"), ErrRejected},
		{"deploy-prod", map[string]error{"deploy-prod": boom}, ResultFailed, append(passedTo("deploy-prod"), "deploy-prod:failed"), boom},
		// Prod was deployed; the drift check failing still fails the run.
		{"drift", map[string]error{"drift": boom}, ResultDeployed, append(passedTo("drift"), "drift:failed"), boom},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			rep, w, err := runFake(t, dir, Options{}, c.fail)
			if c.errIs == nil && err != nil {
				t.Fatalf("err = %v, want none", err)
			}
			if c.errIs != nil && !errors.Is(err, c.errIs) {
				t.Fatalf("err = %v, want one wrapping %v", err, c.errIs)
			}
			if rep.Result != c.result {
				t.Errorf("result = %q (%s), want %q", rep.Result, rep.Reason, c.result)
			}
			if got := stageResults(rep); !slices.Equal(got, c.stages) {
				t.Errorf("stages:\n got %v\nwant %v", got, c.stages)
			}
			// A failed stage's error names the stage, and so does the report.
			for stage, e := range c.fail {
				if stage != "preflight" && !strings.HasPrefix(err.Error(), stage+": ") {
					t.Errorf("err = %q, want it to start with the stage %q", err, stage)
				}
				if c.result != ResultDeployed && !strings.Contains(rep.Reason, e.Error()) {
					t.Errorf("reason = %q, want it to say %q", rep.Reason, e)
				}
			}
			waiting, perr := readPending(dir)
			if perr != nil {
				t.Fatal(perr)
			}
			wantWaiting := c.result == ResultApprovalRequired
			if (waiting != nil) != wantWaiting || w.waited != wantWaiting {
				t.Errorf("waiting for approval: recorded %v, flow %v; want %v", waiting != nil, w.waited, wantWaiting)
			}
		})
	}
}

func TestFlowResumesFromTheApproval(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, _, err := runFake(t, dir, Options{}, map[string]error{"approval": ErrApprovalRequired})
	if !errors.Is(err, ErrApprovalRequired) {
		t.Fatalf("first run: err = %v, want the approval required", err)
	}
	rep, w, err := runFake(t, dir, Options{Approve: true}, nil)
	if err != nil {
		t.Fatalf("resumed run: %v", err)
	}
	// Only what the approval stopped runs again, in the world kept for it.
	if want := []string{"preflight", "reopen", "approval", "deploy-prod", "drift"}; !slices.Equal(w.calls, want) {
		t.Errorf("resumed run did %v, want %v", w.calls, want)
	}
	want := []string{"world:passed", "preview:passed", "deploy-test:passed", "integration-tests:passed", "prod-plan:passed",
		"world:passed", "approval:passed", "deploy-prod:passed", "drift:passed"}
	if got := stageResults(rep); !slices.Equal(got, want) {
		t.Errorf("stages:\n got %v\nwant %v", got, want)
	}
	if rep.Result != ResultDeployed || len(rep.Resumed) != 1 || !rep.Started.Equal(first.Started) {
		t.Errorf("result %q, resumed %d time(s), started %v (first run %v): want deployed, once, the first run's report", rep.Result, len(rep.Resumed), rep.Started, first.Started)
	}
	if p, _ := readPending(dir); p != nil {
		t.Error("the run still waits for approval after it was deployed")
	}
}

func TestFlowRefusesConflictingOptionsBeforeAnyStage(t *testing.T) {
	t.Parallel()
	for _, opts := range []Options{{Break: true, BreakLate: true}, {Redeploy: true, Break: true}} {
		t.Run(fmt.Sprintf("%+v", opts), func(t *testing.T) {
			t.Parallel()
			rep, w, err := runFake(t, t.TempDir(), opts, nil)
			if err == nil || rep.Result != ResultFailed {
				t.Fatalf("err = %v, result %q: want the options refused", err, rep.Result)
			}
			if len(w.calls) > 0 || len(rep.Stages) > 0 {
				t.Errorf("refused options still ran %v", w.calls)
			}
		})
	}
}
