package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/gangway-dev/gangway/ci/dotenv"
	"github.com/gangway-dev/gangway/ci/hostresult"
	"github.com/gangway-dev/gangway/ci/imageref"
	"github.com/gangway-dev/gangway/ci/ssmrun"
	"github.com/gangway-dev/gangway/ci/tf"
)

const (
	hex64    = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	testRepo = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/gangway-test"
	prodRepo = "210987654321.dkr.ecr.eu-west-1.amazonaws.com/gangway-prod"
	tested   = testRepo + "@sha256:" + hex64
)

// fakeSteps records the calls and fails the step named in failAt.
type fakeSteps struct {
	failAt string
	calls  []string
	// suite is what IntegrationTest returns (a go test -json stream).
	suite []byte
	// promoteTo, when set, is where Promote claims to have copied.
	promoteTo string
	// noChanges makes plans change nothing.
	noChanges bool
}

var _ Steps = (*fakeSteps)(nil)

var errBoom = errors.New("boom")

func (f *fakeSteps) call(name string) error {
	f.calls = append(f.calls, name)
	if f.failAt == name {
		return fmt.Errorf("%s went wrong: %w", name, errBoom)
	}
	return nil
}

func (f *fakeSteps) VerifyTested(_ context.Context, image imageref.Ref) error {
	return f.call(StepVerifyTested)
}

func (f *fakeSteps) Plan(_ context.Context, env string) (tf.PlanOutput, error) {
	return tf.PlanOutput{Env: env, PlanFile: "/plans/" + env, HasChanges: !f.noChanges, PlanSHA256: "abc",
		Summary: tf.Summary{Add: 1, Resources: []tf.ResourceChange{{Address: "aws_s3_bucket.app", Action: tf.ActionCreate}}}}, f.call(StepPlan)
}

func (f *fakeSteps) FetchPlan(_ context.Context, env string, rp ReviewedPlan) (tf.PlanOutput, error) {
	if err := f.call("fetch-plan"); err != nil {
		return tf.PlanOutput{}, err
	}
	return tf.PlanOutput{Env: env, PlanFile: "/plans/" + env, HasChanges: !f.noChanges, BundleSHA256: rp.SHA256}, nil
}

func (f *fakeSteps) Apply(_ context.Context, plan tf.PlanOutput) (tf.ApplyOutput, error) {
	if plan.PlanFile != "/plans/"+plan.Env {
		return tf.ApplyOutput{}, fmt.Errorf("apply got plan %q, not the one plan made", plan.PlanFile)
	}
	return tf.ApplyOutput{Env: plan.Env, Applied: true, StateAfter: tf.State{Exists: true, Lineage: "l", Serial: 2}}, f.call(StepApply)
}

func (f *fakeSteps) Outputs(_ context.Context, env string) (tf.Outputs, error) {
	repo := testRepo
	if env == "prod" {
		repo = prodRepo
	}
	return tf.Outputs{Environment: env, AppURL: "https://" + env + ".example.com", ECRRepositoryURL: repo}, f.call(StepOutputs)
}

func (f *fakeSteps) Publish(_ context.Context, revision, repository string) (imageref.Ref, error) {
	if err := f.call(StepPublish); err != nil {
		return imageref.Ref{}, err
	}
	return imageref.Parse(repository + "@sha256:" + strings.Repeat("b", 64))
}

func (f *fakeSteps) Promote(_ context.Context, image imageref.Ref, repository string) (imageref.Ref, error) {
	if err := f.call(StepPromote); err != nil {
		return imageref.Ref{}, err
	}
	if f.promoteTo != "" {
		repository = f.promoteTo
	}
	return image.WithName(repository)
}

func (f *fakeSteps) Rollout(_ context.Context, env string, image imageref.Ref, _ tf.Outputs) (ssmrun.Report, error) {
	if err := f.call(StepRollout); err != nil {
		host := ssmrun.HostResult{InstanceID: "i-1", Status: "Failed", Result: &hostresult.Result{Status: hostresult.StatusRolledBack, Message: "never healthy"}}
		return ssmrun.NewReport(env, hostresult.ModeDeploy, image.String(), []ssmrun.HostResult{host}, err), err
	}
	host := ssmrun.HostResult{InstanceID: "i-1", Status: "Success", Result: &hostresult.Result{Status: hostresult.StatusDeployed}}
	return ssmrun.NewReport(env, hostresult.ModeDeploy, image.String(), []ssmrun.HostResult{host}, nil), nil
}

func (f *fakeSteps) IntegrationTest(_ context.Context, appURL string) ([]byte, error) {
	if err := f.call(StepIntegrationTests); err != nil {
		return nil, err
	}
	return f.suite, nil
}

func (f *fakeSteps) Attest(_ context.Context, image imageref.Ref, checks int, _ string) error {
	if checks < 1 {
		return fmt.Errorf("attest asked for %s with %d checks", image, checks)
	}
	return f.call(StepAttest)
}

func corpus(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("../testjson/testdata/" + name + ".jsonl")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestRunHappyPaths(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		req       Request
		wantCalls string
		wantImage string
	}{
		{"test builds", Request{Env: "test", Revision: "abc"},
			"plan apply outputs publish rollout integration-tests attest", testRepo + "@sha256:" + strings.Repeat("b", 64)},
		{"test with an image", Request{Env: "test", Image: tested},
			"plan apply outputs rollout integration-tests attest", tested},
		{"test, gate left to a later job", Request{Env: "test", SkipIntegrationTests: true},
			"plan apply outputs publish rollout", testRepo + "@sha256:" + strings.Repeat("b", 64)},
		{"prod promotes the tested digest", Request{Env: "prod", Image: tested},
			"verify-tested plan apply outputs promote rollout", prodRepo + "@sha256:" + hex64},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeSteps{suite: corpus(t, "pass")}
			rep, err := Run(context.Background(), f, c.req)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got := strings.Join(f.calls, " "); got != c.wantCalls {
				t.Errorf("calls = %q, want %q", got, c.wantCalls)
			}
			if !rep.OK || rep.Image != c.wantImage {
				t.Errorf("report OK=%v image=%q, want OK and %q", rep.OK, rep.Image, c.wantImage)
			}
			for _, s := range rep.Steps {
				if s.Result != Passed {
					t.Errorf("step %s = %s", s.Name, s.Result)
				}
			}
			if c.req.Env == "prod" && rep.PromotedFrom != tested {
				t.Errorf("PromotedFrom = %q, want %q", rep.PromotedFrom, tested)
			}
			assertFiles(t, rep)
		})
	}
}

// TestEveryFailureStillReports fails each step in turn, for test and prod:
// the run stops there, later steps are recorded as skipped, and the report's
// files, outcome and GitHub annotations say which step failed.
func TestEveryFailureStillReports(t *testing.T) {
	t.Parallel()
	for _, env := range []string{"test", "prod"} {
		req := Request{Env: env}
		if env == "prod" {
			req.Image = tested
		}
		r := &run{report: &Report{Env: env}}
		for _, failAt := range r.plannedSteps()[1:] {
			t.Run(env+"/"+failAt, func(t *testing.T) {
				t.Parallel()
				f := &fakeSteps{failAt: failAt, suite: corpus(t, "pass")}
				rep, err := Run(context.Background(), f, req)
				if !errors.Is(err, errBoom) {
					t.Fatalf("Run error = %v, want the step's error", err)
				}
				if rep.OK || rep.FailedStep != failAt || !strings.Contains(rep.Error, failAt+" went wrong") {
					t.Errorf("outcome = %+v, want failed at %s", rep.Outcome, failAt)
				}
				if last := f.calls[len(f.calls)-1]; last != failAt {
					t.Errorf("the run went on after %s failed: calls %v", failAt, f.calls)
				}
				seen := false
				for _, s := range rep.Steps {
					switch {
					case s.Name == failAt:
						seen = true
						if s.Result != Failed {
							t.Errorf("step %s = %s, want failed", s.Name, s.Result)
						}
					case seen && s.Result != Skipped:
						t.Errorf("step %s after the failure = %s, want skipped", s.Name, s.Result)
					case !seen && s.Result != Passed:
						t.Errorf("step %s before the failure = %s, want passed", s.Name, s.Result)
					}
				}
				if len(rep.Steps) != len(r.plannedSteps()) {
					t.Errorf("%d steps recorded, want all %d", len(rep.Steps), len(r.plannedSteps()))
				}
				files := assertFiles(t, rep)
				if err := Verdict(files[FileResult]); err == nil || !strings.Contains(err.Error(), "step "+failAt+" failed") {
					t.Errorf("Verdict = %v, want the failed step", err)
				}
				if !strings.Contains(string(files[DirGitHub+"/commands"]), "::error") {
					t.Errorf("no error annotation for a failed %s:\n%s", failAt, files[DirGitHub+"/commands"])
				}
			})
		}
	}
}

func TestGateFailuresKeepTheSuiteReport(t *testing.T) {
	t.Parallel()
	cases := []struct {
		corpus, inError string
	}{
		{"fail", "GET /db/read: status 503"},
		{"buildfail", "undefined: undefinedHelper"},
		{"notests", "ran no test"},
	}
	for _, c := range cases {
		t.Run(c.corpus, func(t *testing.T) {
			t.Parallel()
			f := &fakeSteps{suite: corpus(t, c.corpus)}
			rep, err := Run(context.Background(), f, Request{Env: "test"})
			if err == nil || rep.FailedStep != StepIntegrationTests || !strings.Contains(rep.Error, c.inError) {
				t.Fatalf("Run = %v, outcome %+v; want the gate to fail with %q", err, rep.Outcome, c.inError)
			}
			files := assertFiles(t, rep)
			if string(files[fileTests]) != string(corpus(t, c.corpus)) {
				t.Error("tests.jsonl is not the suite's stream")
			}
			if !strings.Contains(string(files[FileSummary]), "Integration tests:") {
				t.Errorf("summary lacks the suite's report:\n%s", files[FileSummary])
			}
			if !strings.Contains(string(files[DirGitHub+"/commands"]), c.inError) {
				t.Errorf("annotations do not say which check failed:\n%s", files[DirGitHub+"/commands"])
			}
		})
	}
}

func TestBadRequestsFailBeforeAnyStep(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		req  Request
		want string
	}{
		{"unknown env", Request{Env: "staging"}, "unknown environment"},
		{"prod without image", Request{Env: "prod"}, "needs the image"},
		{"prod with a tag", Request{Env: "prod", Image: testRepo + ":latest"}, "no @sha256 digest"},
		{"prod from prod's repository", Request{Env: "prod", Image: prodRepo + "@sha256:" + hex64}, "not from a gangway-test repository"},
		{"test with a bad image", Request{Env: "test", Image: "library/alpine@sha256:" + hex64}, "registry host"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeSteps{}
			rep, err := Run(context.Background(), f, c.req)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Run error = %v, want %q", err, c.want)
			}
			if len(f.calls) != 0 {
				t.Errorf("steps ran on bad input: %v", f.calls)
			}
			if rep.FailedStep != StepInput {
				t.Errorf("FailedStep = %q, want input", rep.FailedStep)
			}
			assertFiles(t, rep)
		})
	}
}

func TestPromoteToTheWrongRepositoryFails(t *testing.T) {
	t.Parallel()
	f := &fakeSteps{promoteTo: "127.0.0.1:5000/gangway-elsewhere"}
	rep, err := Run(context.Background(), f, Request{Env: "prod", Image: tested})
	if err == nil || rep.FailedStep != StepPromote {
		t.Fatalf("Run = %v (%+v), want promote to fail", err, rep.Outcome)
	}
	if strings.Contains(strings.Join(f.calls, " "), StepRollout) {
		t.Error("rolled out after a bad promotion")
	}
}

func TestGateAlone(t *testing.T) {
	t.Parallel()
	url := "https://test.example.com"
	cases := []struct {
		name, suite, image, failAt string
		wantCalls, wantFailed      string
	}{
		{"passes and attests the image", "pass", tested, "", "integration-tests attest", ""},
		{"a URL alone attests nothing", "pass", "", "", "integration-tests", ""},
		{"a failed gate attests nothing", "panic", tested, "", "integration-tests", StepIntegrationTests},
		{"attesting fails", "pass", tested, StepAttest, "integration-tests attest", StepAttest},
		{"a bad image runs nothing", "pass", "nope", "", "", StepInput},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeSteps{suite: corpus(t, c.suite), failAt: c.failAt}
			rep, err := Gate(context.Background(), f, GateRequest{AppURL: url, Image: c.image})
			if got := strings.Join(f.calls, " "); got != c.wantCalls {
				t.Errorf("calls = %q, want %q", got, c.wantCalls)
			}
			if rep.FailedStep != c.wantFailed || (err == nil) != (c.wantFailed == "") {
				t.Errorf("Gate = %v, outcome %+v; want failed step %q", err, rep.Outcome, c.wantFailed)
			}
			if len(rep.Steps) != len(f.calls) && c.wantFailed != StepInput {
				t.Errorf("a gate-only run recorded %d steps for %d calls", len(rep.Steps), len(f.calls))
			}
			assertFiles(t, rep)
		})
	}
}

func TestVerdict(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in, want string }{
		{"ok", `{"ok":true}`, ""},
		{"failed", `{"ok":false,"failed_step":"rollout","error":"host i-1 rolled back"}`, "step rollout failed: host i-1 rolled back"},
		{"no ok", `{"environment":"test"}`, `no "ok" field`},
		{"not json", `nope`, "reading the result"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := Verdict([]byte(c.in))
			if c.want == "" {
				if err != nil {
					t.Fatalf("Verdict = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Verdict = %v, want %q", err, c.want)
			}
		})
	}
}

// assertFiles checks what every run exports, passed or failed.
func assertFiles(t *testing.T, rep *Report) map[string][]byte {
	t.Helper()
	files, err := rep.Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{FileResult, fileReport, FileSummary, DirGitHub + "/summary.md", DirGitHub + "/outputs", DirGitHub + "/commands", FileDotenv} {
		if _, ok := files[name]; !ok {
			t.Errorf("files lack %s", name)
		}
	}
	var o Outcome
	if err := json.Unmarshal(files[FileResult], &o); err != nil || o != rep.Outcome {
		t.Errorf("result.json = %s (%v), want %+v", files[FileResult], err, rep.Outcome)
	}
	if err := Verdict(files[FileResult]); (err == nil) != rep.OK {
		t.Errorf("Verdict = %v for OK = %v", err, rep.OK)
	}
	// The GitLab report carries the same outputs as the GitHub one.
	env := string(files[FileDotenv])
	for _, o := range rep.GitHub().Outputs {
		if line := dotenv.Name(o.Name) + "=" + o.Value + "\n"; !strings.Contains(env, line) {
			t.Errorf("%s lacks %q:\n%s", FileDotenv, line, env)
		}
	}
	return files
}

// TestReviewedPlanIsAppliedAsStored deploys prod from a reviewed plan: it is
// fetched instead of planned; a plan with no changes makes the deploy a
// rollout only; a bad reference runs nothing.
func TestReviewedPlanIsAppliedAsStored(t *testing.T) {
	t.Parallel()
	reviewed := &ReviewedPlan{Run: "42-1", SHA256: hex64, Commit: "abc"}
	cases := []struct {
		name      string
		noChanges bool
		reviewed  *ReviewedPlan
		wantCalls string
		wantErr   string
	}{
		{"changes", false, reviewed, "verify-tested fetch-plan apply outputs promote rollout", ""},
		{"no changes: rollout only", true, reviewed, "verify-tested fetch-plan outputs promote rollout", ""},
		{"no digest", false, &ReviewedPlan{Run: "42-1"}, "", "64-hex sha256"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeSteps{noChanges: c.noChanges}
			rep, err := Run(context.Background(), f, Request{Env: "prod", Image: tested, Reviewed: c.reviewed})
			if got := strings.Join(f.calls, " "); got != c.wantCalls {
				t.Errorf("calls = %q, want %q", got, c.wantCalls)
			}
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("Run error = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.noChanges {
				if s := rep.Steps[3]; s.Name != StepApply || s.Result != Skipped || s.Detail != "no changes" {
					t.Errorf("apply step = %+v, want skipped for no changes", s)
				}
			}
			assertFiles(t, rep)
		})
	}
}
