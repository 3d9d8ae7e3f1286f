package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gangway-dev/gangway/ci/deploy"
	"github.com/gangway-dev/gangway/ci/imageref"
	"github.com/gangway-dev/gangway/ci/internal/dagger"
	"github.com/gangway-dev/gangway/ci/ssmrun"
	"github.com/gangway-dev/gangway/ci/steps"
	"github.com/gangway-dev/gangway/ci/tf"
)

// Report is what a deploy or an integration gate did, passed or failed.
type Report struct {
	// Whether it passed.
	Ok bool
	// The step that failed, empty when it passed.
	FailedStep string
	// Why it failed.
	Error string
	// Markdown: the steps, the plan, the rollout and the integration tests.
	Summary string
	// The image the environment runs now, REPOSITORY@sha256:….
	Image string
	// The service's URL (terraform output app_url).
	AppURL string
	// result.json (what verdict reads), report.json, summary.md, tests.jsonl and github/ (job summary, step outputs, annotations).
	Files *dagger.Directory
}

func newReport(r *deploy.Report) (*Report, error) {
	files, err := r.Files()
	if err != nil {
		return nil, fmt.Errorf("writing the report: %w", err)
	}
	return &Report{
		Ok: r.OK, FailedStep: r.FailedStep, Error: r.Error,
		Summary: string(files[deploy.FileSummary]), Image: r.Image, AppURL: r.AppURL,
		Files: directory(files),
	}, nil
}

// Verdict fails when this run failed, with the reason.
func (r *Report) Verdict() error {
	return deploy.Outcome{OK: r.Ok, FailedStep: r.FailedStep, Error: r.Error}.Err()
}

// Deploy an environment end to end: plan and apply, build and publish (test) or promote the tested digest (prod), roll out, and run the integration tests on test; returns the report, passed or failed: export files, then call verdict.
// +cache="never"
func (m *Gangway) Deploy(
	ctx context.Context,
	// Environment: test or prod.
	env string,
	// The image to deploy, REPOSITORY@sha256:… from the test repository. Required for prod (the digest the test deploy published and tested); test builds when omitted.
	// +optional
	image string,
	// Git revision of the build (tag prefix, labels, APP_VERSION), e.g. $GITHUB_SHA.
	// +default="dev"
	revision string,
	// Do not run the integration suite after a test deploy (for a pipeline that runs integration-test as its own step).
	// +optional
	skipIntegrationTests bool,
	// Apply the plan a reviewer approved instead of planning: the run it was stored for (plan --store-as).
	// +optional
	planRun string,
	// The SHA-256 of that stored plan (plan's bundle_sha256): a plan edited after review is refused.
	// +optional
	planDigest string,
	// The source revision this deploy runs; a stored plan made from another commit is refused.
	// +optional
	commit string,
	// Who runs the deploy, for the deploy record, e.g. $GITHUB_ACTOR.
	// +optional
	actor string,
) (*Report, error) {
	s := &moduleSteps{m: m, plans: map[string]*dagger.Directory{}, readyTimeout: "120s", record: deployRecord(actor, commit, revision)}
	req := deploy.Request{Env: env, Image: image, Revision: revision, SkipIntegrationTests: skipIntegrationTests}
	if planRun != "" || planDigest != "" {
		req.Reviewed = &deploy.ReviewedPlan{Run: planRun, SHA256: planDigest, Commit: commit}
	}
	rep, _ := deploy.Run(ctx, s, req)
	return newReport(rep)
}

// Verdict fails when an exported result says its run failed: the last step of a job, after the report was exported and published.
func (m *Gangway) Verdict(
	ctx context.Context,
	// The result.json that deploy, integration-test or plan exported.
	report *dagger.File,
) error {
	data, err := report.Contents(ctx)
	if err != nil {
		return fmt.Errorf("reading the report: %w", err)
	}
	return deploy.Verdict([]byte(data))
}

// moduleSteps runs the deploy sequence's steps in containers.
type moduleSteps struct {
	m *Gangway
	// plans keeps each saved plan (and its binding) by the plan file path
	// the CLI reported, for Apply.
	plans        map[string]*dagger.Directory
	service      *dagger.Service
	readyTimeout string
	// record is who and what the rollout's deploy record names.
	record steps.Record
}

// deployRecord names the deploy in its record: the commit, else the
// revision unless it is the placeholder "dev".
func deployRecord(actor, commit, revision string) steps.Record {
	if commit == "" && revision != "dev" {
		commit = revision
	}
	return steps.Record{Actor: actor, Commit: commit}
}

var _ deploy.Steps = (*moduleSteps)(nil)

func (s *moduleSteps) VerifyTested(ctx context.Context, image imageref.Ref) error {
	_, err := s.m.stdout(ctx, steps.VerifyTestedArgs(image), nil)
	return err
}

func (s *moduleSteps) Attest(ctx context.Context, image imageref.Ref, checks int, revision string) error {
	_, err := s.m.stdout(ctx, steps.AttestArgs(image, checks, revision), nil)
	return err
}

func (s *moduleSteps) Plan(ctx context.Context, env string) (tf.PlanOutput, error) {
	args, err := steps.PlanArgs(steps.TerraformDir, env, workDir+"/"+planFile, workDir+"/"+planSummary, steps.PlanOptions{})
	if err != nil {
		return tf.PlanOutput{}, err
	}
	return s.planIn(ctx, args)
}

func (s *moduleSteps) FetchPlan(ctx context.Context, env string, rp deploy.ReviewedPlan) (tf.PlanOutput, error) {
	args, err := steps.FetchPlanArgs(steps.TerraformDir, env, rp.Run, rp.SHA256, rp.Commit, workDir)
	if err != nil {
		return tf.PlanOutput{}, err
	}
	return s.planIn(ctx, args)
}

// planIn runs a command that leaves a plan in workDir and prints its
// description, and keeps that directory for Apply.
func (s *moduleSteps) planIn(ctx context.Context, args []string) (tf.PlanOutput, error) {
	run, err := s.m.cli(ctx, args, nil)
	if err != nil {
		return tf.PlanOutput{}, err
	}
	if err := run.err(); err != nil {
		return tf.PlanOutput{}, err
	}
	var out tf.PlanOutput
	if err := json.Unmarshal([]byte(run.stdout), &out); err != nil {
		return tf.PlanOutput{}, fmt.Errorf("pipeline %s printed no plan JSON: %w", args[1], err)
	}
	s.plans[out.PlanFile] = run.work
	return out, nil
}

func (s *moduleSteps) Apply(ctx context.Context, plan tf.PlanOutput) (tf.ApplyOutput, error) {
	work, ok := s.plans[plan.PlanFile]
	if !ok {
		return tf.ApplyOutput{}, fmt.Errorf("no saved plan %s in this run", plan.PlanFile)
	}
	args, err := steps.ApplyArgs(steps.TerraformDir, plan.Env, plan.PlanFile)
	if err != nil {
		return tf.ApplyOutput{}, err
	}
	run, err := s.m.cli(ctx, args, work)
	if err != nil {
		return tf.ApplyOutput{}, err
	}
	if err := run.err(); err != nil {
		return tf.ApplyOutput{}, err
	}
	var out tf.ApplyOutput
	if err := json.Unmarshal([]byte(run.stdout), &out); err != nil {
		return tf.ApplyOutput{}, fmt.Errorf("pipeline apply printed no apply JSON: %w", err)
	}
	return out, nil
}

func (s *moduleSteps) Outputs(ctx context.Context, env string) (tf.Outputs, error) {
	return s.m.outputsOf(ctx, env)
}

func (s *moduleSteps) Publish(ctx context.Context, revision, repository string) (imageref.Ref, error) {
	return s.m.publish(ctx, nil, revision, repository)
}

func (s *moduleSteps) Promote(ctx context.Context, tested imageref.Ref, repository string) (imageref.Ref, error) {
	out, err := s.m.stdout(ctx, steps.PromoteArgs(tested, repository), nil)
	if err != nil {
		return imageref.Ref{}, err
	}
	var res struct {
		Target string `json:"target"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		return imageref.Ref{}, fmt.Errorf("pipeline promote printed no result: %w", err)
	}
	return imageref.Parse(res.Target)
}

func (s *moduleSteps) Rollout(ctx context.Context, env string, image imageref.Ref, out tf.Outputs) (ssmrun.Report, error) {
	args, err := steps.RolloutArgs(env, image, s.record, out)
	if err != nil {
		return ssmrun.Report{}, err
	}
	run, err := s.m.cli(ctx, args, nil)
	if err != nil {
		return ssmrun.Report{}, err
	}
	var rep ssmrun.Report
	if jerr := json.Unmarshal([]byte(run.stdout), &rep); jerr != nil && run.code == 0 {
		return rep, fmt.Errorf("pipeline rollout printed no report: %w", jerr)
	}
	return rep, run.err()
}

func (s *moduleSteps) IntegrationTest(ctx context.Context, appURL string) ([]byte, error) {
	return s.suite(ctx, appURL)
}
