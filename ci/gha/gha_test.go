package gha

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gangway-dev/gangway/ci/hostresult"
	"github.com/gangway-dev/gangway/ci/ssmrun"
)

// actionsEnv is a fake GitHub Actions step environment with empty output
// and summary files.
func actionsEnv(t *testing.T) (func(string) string, string, string) {
	t.Helper()
	dir := t.TempDir()
	out, sum := filepath.Join(dir, "output"), filepath.Join(dir, "summary")
	for _, f := range []string{out, sum} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": out, "GITHUB_STEP_SUMMARY": sum}
	return func(k string) string { return env[k] }, out, sum
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// publish runs Publish in a fake step and returns stdout, GITHUB_OUTPUT and
// GITHUB_STEP_SUMMARY.
func publish(t *testing.T, r Report) (string, string, string) {
	t.Helper()
	getenv, out, sum := actionsEnv(t)
	var w bytes.Buffer
	if err := Publish(r, getenv, &w); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	return w.String(), read(t, out), read(t, sum)
}

func check(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s =\n%q\nwant\n%q", what, got, want)
	}
}

const d = "_GitHubActionsFileCommandDelimeter_"

func TestPublishPlan(t *testing.T) {
	t.Parallel()
	in := `{"env":"test","has_changes":true,"plan_file":"/tmp/test.tfplan","summary":{"no_changes":false,"add":1,"change":0,"destroy":0,"replace":1,
	"resources":[{"address":"aws_instance.app","action":"replace"},{"address":"aws_s3_bucket.data","action":"create"}],"outputs_changed":[]}}`
	r, err := PlanReport([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	stdout, outputs, summary := publish(t, r)
	check(t, "commands", stdout, "::warning title=Terraform plan for test::The plan destroys 0 and replaces 1 resource(s): review it before applying.\n")
	check(t, "outputs", outputs,
		"env<<"+d+"\ntest\n"+d+"\n"+
			"has_changes<<"+d+"\ntrue\n"+d+"\n"+
			"add<<"+d+"\n1\n"+d+"\n"+
			"change<<"+d+"\n0\n"+d+"\n"+
			"destroy<<"+d+"\n0\n"+d+"\n"+
			"replace<<"+d+"\n1\n"+d+"\n")
	check(t, "summary", summary, "### Terraform plan for `test`\n\n"+
		"**1 to add, 0 to change, 0 to destroy, 1 to replace.**\n\n"+
		"> [!WARNING]\n> **Replaces** (destroys, then creates) `aws_instance.app`.\n\n"+
		"| action | resource |\n| --- | --- |\n"+
		"| replace | `aws_instance.app` |\n"+
		"| create | `aws_s3_bucket.data` |\n\n")
}

func TestPublishPlanNoChanges(t *testing.T) {
	t.Parallel()
	r, err := PlanReport([]byte(`{"env":"prod","has_changes":false,"summary":{"no_changes":true}}`))
	if err != nil {
		t.Fatal(err)
	}
	stdout, _, summary := publish(t, r)
	check(t, "commands", stdout, "")
	check(t, "summary", summary, "### Terraform plan for `prod`\n\n**No changes.** The infrastructure matches the configuration.\n\n")
}

const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestPublishRollout(t *testing.T) {
	t.Parallel()
	image := "123456789012.dkr.ecr.us-east-1.amazonaws.com/gangway-prod@" + digest
	// The input is what pipeline rollout prints, made from the same type.
	in, err := json.Marshal(ssmrun.NewReport("prod", hostresult.ModeDeploy, image, []ssmrun.HostResult{
		{InstanceID: "i-0aaa", CommandID: "c-1", Status: "Success", Result: &hostresult.Result{Status: hostresult.StatusDeployed, Version: "v2", Message: "serving"}},
		{InstanceID: "i-0bbb", CommandID: "c-1", Status: "Failed", Result: &hostresult.Result{Status: hostresult.StatusRolledBack, Version: "v1"}, Error: "health check: 503 | db down\nafter 30s"},
		{InstanceID: "i-0ccc", Outcome: ssmrun.OutcomeNotAttempted},
	}, errors.New("1 of 2 hosts failed")))
	if err != nil {
		t.Fatal(err)
	}
	r, err := RolloutReport(in)
	if err != nil {
		t.Fatal(err)
	}
	stdout, outputs, summary := publish(t, r)
	check(t, "commands", stdout, "::error title=Rollout to prod on i-0bbb::Failed, rolled_back: health check: 503 | db down%0Aafter 30s\n")
	check(t, "outputs", outputs,
		"env<<"+d+"\nprod\n"+d+"\n"+
			"status<<"+d+"\nfailed\n"+d+"\n"+
			"image<<"+d+"\n"+image+"\n"+d+"\n"+
			"image_digest<<"+d+"\n"+digest+"\n"+d+"\n")
	check(t, "summary", summary, "### Rollout to `prod`: failed\n\n"+
		"Image: `"+image+"`\n\n"+
		"| instance | outcome | SSM | result | version | detail |\n| --- | --- | --- | --- | --- | --- |\n"+
		"| `i-0aaa` | deployed | Success | deployed | v2 | serving |\n"+
		"| `i-0bbb` | failed | Failed | rolled_back | v1 | health check: 503 \\| db down after 30s |\n"+
		"| `i-0ccc` | not_attempted |  |  |  |  |\n\n")
}

func TestPublishRolloutFailedWithoutHosts(t *testing.T) {
	t.Parallel()
	in, _ := json.Marshal(ssmrun.NewReport("test", hostresult.ModeRollback, "", nil, errors.New("instance i-1 is not online in SSM")))
	r, err := RolloutReport(in)
	if err != nil {
		t.Fatal(err)
	}
	stdout, _, summary := publish(t, r)
	check(t, "commands", stdout, "::error title=Rollback to test::the rollback ended with failed: instance i-1 is not online in SSM\n")
	check(t, "summary", summary, "### Rollback to `test`: failed\n\n\n") // the summary file gets a closing newline
}

func TestPublishRolloutUnchangedIsSuccess(t *testing.T) {
	t.Parallel()
	in, _ := json.Marshal(ssmrun.NewReport("test", hostresult.ModeDeploy, "r.example/gangway-test@"+digest, []ssmrun.HostResult{
		{InstanceID: "i-1", Status: "Success", Result: &hostresult.Result{Status: hostresult.StatusUnchanged}},
	}, nil))
	r, err := RolloutReport(in)
	if err != nil {
		t.Fatal(err)
	}
	if stdout, _, _ := publish(t, r); stdout != "" {
		t.Errorf("an unchanged rollout was annotated: %q", stdout)
	}
}

func TestPublishTests(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/tests.jsonl") // real `go test -json` output
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := TestsReport(f)
	if err != nil {
		t.Fatal(err)
	}
	stdout, outputs, summary := publish(t, r)
	check(t, "commands", stdout,
		"::error title=TestDBCreate::sample_test.go:8: POST /db/create = 500, want 201: {\"error\":\"db down\"}\n"+
			"::error title=TestDBRead/cursor::sample_test.go:15: next_cursor missing\n")
	check(t, "outputs", outputs,
		"result<<"+d+"\nfailure\n"+d+"\n"+
			"passed<<"+d+"\n2\n"+d+"\n"+
			"failed<<"+d+"\n2\n"+d+"\n"+
			"skipped<<"+d+"\n1\n"+d+"\n")
	check(t, "summary", summary, "### Integration tests: 2 passed, 2 failed, 1 skipped\n\n"+
		"| test | result | time |\n| --- | --- | --- |\n"+
		"| `TestHealth` | pass | 0.00s |\n"+
		"| `TestDBCreate` | **FAIL** | 0.00s |\n"+
		"| `TestS3List` | skip | 0.00s |\n"+
		"| `TestDBRead` | **FAIL** | 0.00s |\n"+
		"| `TestDBRead/limit` | pass | 0.00s |\n"+
		"| `TestDBRead/cursor` | **FAIL** | 0.00s |\n\n")
}

func TestTestsReportBuildFailure(t *testing.T) {
	t.Parallel()
	in := "# example.com/gangway/tests\n./x_test.go:3:1: syntax error\n" +
		`{"Action":"start","Package":"example.com/gangway/tests"}` + "\n" +
		`{"Action":"output","Package":"example.com/gangway/tests","Output":"FAIL\texample.com/gangway/tests [build failed]\n"}` + "\n" +
		`{"Action":"fail","Package":"example.com/gangway/tests","Elapsed":0}` + "\n"
	r, err := TestsReport(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if r.Failed() != 1 || r.Annotations[0].Title != "example.com/gangway/tests" {
		t.Errorf("annotations = %+v, want one for the package", r.Annotations)
	}
	if _, err := TestsReport(strings.NewReader("not json\n")); err == nil {
		t.Error("TestsReport of no events: no error")
	}
}

func TestPublishMasksFirst(t *testing.T) {
	t.Parallel()
	stdout, _, _ := publish(t, Report{Masks: []string{"s3cr%t"}, Annotations: []Annotation{{Level: LevelNotice, Message: "hello"}}})
	check(t, "commands", stdout, "::add-mask::s3cr%25t\n::notice::hello\n")
}

func TestPublishOutsideActionsWritesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "output")
	env := map[string]string{"GITHUB_OUTPUT": out, "GITHUB_STEP_SUMMARY": out}
	var w bytes.Buffer
	err := Publish(Report{Summary: "x", Outputs: []Output{{"a", "b"}}, Masks: []string{"m"}}, func(k string) string { return env[k] }, &w)
	if !errors.Is(err, ErrNotInActions) {
		t.Fatalf("Publish = %v, want ErrNotInActions", err)
	}
	if w.Len() != 0 {
		t.Errorf("wrote %q outside Actions", w.String())
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("created %s outside Actions", out)
	}
}

func TestPublishRefusesMultilineOutput(t *testing.T) {
	t.Parallel()
	getenv, out, _ := actionsEnv(t)
	err := Publish(Report{Outputs: []Output{{"app_url", "x\n" + d + "\nevil<<" + d}}}, getenv, &bytes.Buffer{})
	if err == nil || read(t, out) != "" {
		t.Errorf("Publish of a multi-line output: %v, wrote %q", err, read(t, out))
	}
}

func TestBadInputs(t *testing.T) {
	t.Parallel()
	if _, err := PlanReport([]byte(`{"env":"PROD"}`)); err == nil {
		t.Error("PlanReport accepted env PROD")
	}
	if _, err := PlanReport([]byte(`{`)); err == nil {
		t.Error("PlanReport accepted bad JSON")
	}
	if _, err := RolloutReport([]byte(`{"env":"test"}`)); err == nil {
		t.Error("RolloutReport accepted no status")
	}
}

func TestFilesMatchWhatPublishWrites(t *testing.T) {
	t.Parallel()
	r := Report{
		Summary:     "### hello\n",
		Outputs:     []Output{{"image", "r.example.com/gangway-test@sha256:abc"}},
		Annotations: []Annotation{{Level: LevelError, Title: "rollout", Message: "host i-1 failed"}},
		Masks:       []string{"s3cr%t"},
	}
	files, err := Files(r)
	if err != nil {
		t.Fatal(err)
	}
	stdout, outputs, summary := publish(t, r)
	check(t, "commands", string(files[FileCommands]), stdout)
	// The heredoc delimiter is random per write: compare around it.
	if got := string(files[FileOutputs]); !strings.HasPrefix(got, "image<<") || !strings.Contains(got, "\nr.example.com/gangway-test@sha256:abc\n") {
		t.Errorf("outputs file = %q (Publish wrote %q)", got, outputs)
	}
	check(t, "summary", string(files[FileSummary]), summary)
}

func TestMerge(t *testing.T) {
	t.Parallel()
	m := Merge(
		Report{Summary: "a\n", Outputs: []Output{{"x", "1"}, {"y", "2"}}, Annotations: []Annotation{{Message: "m1"}}},
		Report{},
		Report{Summary: "b", Outputs: []Output{{"x", "3"}}, Annotations: []Annotation{{Message: "m2"}}},
	)
	if got, want := m.Summary, "a\n\nb\n"; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
	if got := fmt.Sprint(m.Outputs); got != "[{x 3} {y 2}]" {
		t.Errorf("Outputs = %s", got)
	}
	if len(m.Annotations) != 2 {
		t.Errorf("Annotations = %v", m.Annotations)
	}
}
