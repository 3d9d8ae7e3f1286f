package deploy

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gangway-dev/gangway/ci/dotenv"
	"github.com/gangway-dev/gangway/ci/gha"
	"github.com/gangway-dev/gangway/ci/imageref"
	"github.com/gangway-dev/gangway/ci/ssmrun"
	"github.com/gangway-dev/gangway/ci/testjson"
	"github.com/gangway-dev/gangway/ci/tf"
)

// Step names, in the order a deploy runs them.
const (
	StepInput            = "input"
	StepVerifyTested     = "verify-tested"
	StepPlan             = "plan"
	StepApply            = "apply"
	StepOutputs          = "outputs"
	StepPublish          = "publish"
	StepPromote          = "promote"
	StepRollout          = "rollout"
	StepIntegrationTests = "integration-tests"
	StepAttest           = "attest"
)

// Step results.
const (
	Passed  = "passed"
	Failed  = "failed"
	Skipped = "skipped"
)

// StepRecord is one step of a run.
type StepRecord struct {
	Name    string  `json:"name"`
	Result  string  `json:"result"`
	Seconds float64 `json:"seconds"`
	Detail  string  `json:"detail,omitempty"`
	Error   string  `json:"error,omitempty"`
}

// Outcome says whether a run passed. It is the part of every exported
// result that Verdict reads (result.json).
type Outcome struct {
	OK         bool   `json:"ok"`
	FailedStep string `json:"failed_step,omitempty"`
	Error      string `json:"error,omitempty"`
}

// Err is nil when the outcome is OK, and otherwise says which step failed
// and why.
func (o Outcome) Err() error {
	if o.OK {
		return nil
	}
	if o.FailedStep == "" {
		return errors.New(o.Error)
	}
	return fmt.Errorf("step %s failed: %s", o.FailedStep, o.Error)
}

// Report is what a run did, passed or failed.
type Report struct {
	Outcome
	Env      string `json:"environment"`
	Revision string `json:"revision,omitempty"`
	// Image is what the environment runs now (its own repository).
	Image string `json:"image,omitempty"`
	// PromotedFrom is the tested image in test's repository (prod only).
	PromotedFrom string            `json:"promoted_from,omitempty"`
	AppURL       string            `json:"app_url,omitempty"`
	Plan         *tf.PlanOutput    `json:"plan,omitempty"`
	Apply        *tf.ApplyOutput   `json:"apply,omitempty"`
	Rollout      *ssmrun.Report    `json:"rollout,omitempty"`
	Tests        *testjson.Report  `json:"tests,omitempty"`
	Steps        []StepRecord      `json:"steps"`
	Started      time.Time         `json:"started"`
	Finished     time.Time         `json:"finished"`
	Seconds      float64           `json:"seconds"`
	testStream   []byte            // the raw go test -json stream, exported as tests.jsonl
	files        map[string][]byte // extra files a caller attaches (AttachFile)
}

// AttachFile adds a file to what Files returns (e.g. the plan's Markdown).
func (r *Report) AttachFile(name string, data []byte) {
	if r.files == nil {
		r.files = map[string][]byte{}
	}
	r.files[name] = data
}

// Names of the files Files returns.
const (
	FileResult  = "result.json"
	fileReport  = "report.json"
	FileSummary = "summary.md"
	fileTests   = "tests.jsonl"
	// DirGitHub holds gha.Files: a workflow step appends them to the job.
	DirGitHub = "github"
	// FileDotenv is the same outputs as a GitLab dotenv report
	// (ci/dotenv), for a job's artifacts:reports:dotenv.
	FileDotenv = "gitlab/report.env"
)

// Files returns the run's report as files to export: result.json (the
// Outcome, what Verdict reads), report.json (everything), summary.md,
// tests.jsonl (the suite's raw stream, when it ran), github/* (the job
// summary, step outputs and annotations, see gha.Files) and FileDotenv (the
// outputs for a GitLab job).
func (r *Report) Files() (map[string][]byte, error) {
	result, err := json.MarshalIndent(r.Outcome, "", "  ")
	if err != nil {
		return nil, err
	}
	full, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	g := r.GitHub()
	files := map[string][]byte{
		FileResult:  append(result, '\n'),
		fileReport:  append(full, '\n'),
		FileSummary: []byte(g.Summary),
	}
	if r.testStream != nil {
		files[fileTests] = r.testStream
	}
	gh, err := gha.Files(g)
	if err != nil {
		return nil, err
	}
	for name, data := range gh {
		files[DirGitHub+"/"+name] = data
	}
	if files[FileDotenv], err = dotenv.Render(g.Outputs); err != nil {
		return nil, err
	}
	for name, data := range r.files {
		files[name] = data
	}
	return files, nil
}

// GitHub is the report for a GitHub job: a headline and the step table, then
// the plan's, the rollout's and the suite's own reports; outputs for later
// jobs (ok, environment, image, image_digest, app_url and the parts'); one
// error annotation for the failed step unless a part already explains it.
func (r *Report) GitHub() gha.Report {
	var b strings.Builder
	if r.OK {
		fmt.Fprintf(&b, "## ✅ %s: %s\n\n", r.Env, r.headline())
	} else {
		fmt.Fprintf(&b, "## ❌ %s: failed at %s\n\n%s\n\n", r.Env, r.FailedStep, quote(r.Error))
	}
	b.WriteString("| step | result | time | detail |\n| --- | --- | --- | --- |\n")
	for _, s := range r.Steps {
		detail := s.Detail
		if s.Error != "" {
			detail = firstLine(s.Error)
		}
		fmt.Fprintf(&b, "| %s | %s | %.1fs | %s |\n", s.Name, s.Result, s.Seconds, cell(detail))
	}
	parts := []gha.Report{{
		Summary: b.String(),
		Outputs: []gha.Output{{Name: "ok", Value: fmt.Sprint(r.OK)}, {Name: "environment", Value: r.Env}},
	}}
	if r.Plan != nil {
		parts = append(parts, gha.ForPlan(*r.Plan))
	}
	if r.Rollout != nil {
		parts = append(parts, gha.ForRollout(*r.Rollout))
	}
	if r.Tests != nil {
		parts = append(parts, gha.ForTests(r.Tests))
	}
	var outs []gha.Output
	if r.Image != "" {
		outs = append(outs, gha.Output{Name: "image", Value: r.Image})
		if ref, err := imageref.Parse(r.Image); err == nil {
			outs = append(outs, gha.Output{Name: "image_digest", Value: ref.Digest})
		}
	}
	if r.AppURL != "" {
		outs = append(outs, gha.Output{Name: "app_url", Value: r.AppURL})
	}
	parts = append(parts, gha.Report{Outputs: outs})
	m := gha.Merge(parts...)
	if !r.OK && m.Failed() == 0 {
		m.Annotations = append(m.Annotations, gha.Annotation{Level: gha.LevelError, Title: r.Env + ": " + r.FailedStep, Message: r.Error})
	}
	return m
}

func (r *Report) headline() string {
	switch {
	case r.Image != "" && r.PromotedFrom != "":
		return "promoted and deployed `" + r.Image + "`"
	case r.Image != "":
		return "deployed `" + r.Image + "`"
	case r.Tests != nil:
		p, _, _ := r.Tests.Counts()
		return fmt.Sprintf("integration gate passed (%d checks)", p)
	}
	return "passed"
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

func cell(s string) string {
	return strings.NewReplacer("\r", "", "\n", " ", "|", `\|`).Replace(s)
}

func quote(s string) string {
	return "> " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n> ")
}

// Verdict reads an exported result.json (or report.json) and fails when the
// run it describes did not pass: the step after an export that makes the job
// red. An unreadable result fails too.
func Verdict(data []byte) error {
	var o struct {
		Outcome
		OKSet *bool `json:"ok"`
	}
	if err := json.Unmarshal(data, &o); err != nil {
		return fmt.Errorf("reading the result (want the result.json a deploy, plan or integration-test exported): %w", err)
	}
	if o.OKSet == nil {
		return errors.New(`the result has no "ok" field: pass the result.json that a deploy or integration-test exported`)
	}
	o.OK = *o.OKSet
	return o.Err()
}
