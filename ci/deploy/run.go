package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gangway-dev/gangway/ci/envname"
	"github.com/gangway-dev/gangway/ci/imageref"
	"github.com/gangway-dev/gangway/ci/testjson"
	"github.com/gangway-dev/gangway/ci/tf"
)

// Request says what to deploy.
type Request struct {
	// Env is test or prod.
	Env string
	// Image is, for prod, the tested digest to promote (required); for
	// test, an image to deploy instead of building one (optional).
	Image string
	// Revision names the build (image labels, tag prefix, APP_VERSION).
	Revision string
	// SkipIntegrationTests leaves the gate of a test deploy to a later
	// step (a workflow that runs integration-test as its own job).
	SkipIntegrationTests bool
	// Reviewed, when set, is the plan a reviewer approved: it is applied
	// instead of a new plan, exactly as stored.
	Reviewed *ReviewedPlan
}

// ReviewedPlan names a plan stored by an earlier job (pipeline plan
// --store-as) and what its review approved.
type ReviewedPlan struct {
	// Run is the name it was stored under.
	Run string
	// SHA256 is the digest of the stored bundle, from the plan job.
	SHA256 string
	// Commit is the revision this job deploys; the plan must be from it.
	Commit string
}

// testRepository is the last path component of the test environment's
// repository: prod only promotes images from a repository of that name.
const testRepository = "gangway-test"

// checkRequest refuses, before any step, a request that could put an
// untested image in prod or that names no known environment.
func checkRequest(req Request) error {
	if err := envname.Validate(req.Env); err != nil {
		return err
	}
	if rp := req.Reviewed; rp != nil {
		if rp.Run == "" || len(rp.SHA256) != 64 || strings.Trim(rp.SHA256, "0123456789abcdef") != "" {
			return errors.New("a reviewed plan needs the run it was stored for and its 64-hex sha256 (the plan job's bundle_sha256)")
		}
	}
	switch {
	case req.Env == "prod" && req.Image == "":
		return errors.New("a prod deploy needs the image: the REPOSITORY@sha256:… digest that the test deploy published and the integration gate passed (prod never builds)")
	case req.Image == "":
		return nil
	}
	ref, err := imageref.Parse(req.Image)
	if err != nil {
		return err
	}
	if req.Env == "prod" && ref.RepositoryName() != testRepository {
		return fmt.Errorf("image %s is not from a %s repository: prod only deploys what test deployed and tested", ref, testRepository)
	}
	return nil
}

// run is one sequence in progress.
type run struct {
	steps    Steps
	report   *Report
	gateOnly bool
}

// Run deploys req.Env through s and returns the report, which is complete
// whether the deploy passed or failed; the error is the report's.
func Run(ctx context.Context, s Steps, req Request) (*Report, error) {
	r := &run{steps: s, report: &Report{Env: req.Env, Revision: req.Revision, Started: time.Now()}}
	err := r.deploy(ctx, req)
	return r.finish(err)
}

// GateRequest says what the integration gate tests.
type GateRequest struct {
	// AppURL is the service to test.
	AppURL string
	// Image is the image that serves there (its digest in test's
	// repository): when set, a passing gate records that it passed. An ad
	// hoc run against a URL leaves it empty and attests nothing.
	Image string
	// Revision names the build, for the record.
	Revision string
}

// Gate runs only the integration gate of test (a workflow's own
// integration-test job) and, when it passes, attests req.Image; the report
// is the same as a deploy's.
func Gate(ctx context.Context, s Steps, req GateRequest) (*Report, error) {
	r := &run{steps: s, gateOnly: true, report: &Report{Env: "test", AppURL: req.AppURL, Image: req.Image, Revision: req.Revision, Started: time.Now()}}
	var image *imageref.Ref
	if req.Image != "" {
		ref, err := imageref.Parse(req.Image)
		if err != nil {
			return r.finish(&stepError{step: StepInput, err: err})
		}
		image = &ref
	}
	return r.finish(r.gate(ctx, req.AppURL, image))
}

func (r *run) finish(err error) (*Report, error) {
	rep := r.report
	rep.Finished = time.Now()
	rep.Seconds = rep.Finished.Sub(rep.Started).Seconds()
	rep.OK = err == nil
	if err != nil {
		var se *stepError
		if errors.As(err, &se) {
			rep.FailedStep, rep.Error = se.step, se.err.Error()
		} else {
			rep.Error = err.Error()
		}
		for _, name := range r.remaining() {
			rep.Steps = append(rep.Steps, StepRecord{Name: name, Result: Skipped})
		}
	}
	return rep, err
}

// stepError is a failure of a named step.
type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string { return e.step + ": " + e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// step runs fn as the named step and records it.
func (r *run) step(name string, fn func() (string, error)) error {
	t0 := time.Now()
	detail, err := fn()
	rec := StepRecord{Name: name, Result: Passed, Seconds: time.Since(t0).Seconds(), Detail: detail}
	if err != nil {
		rec.Result, rec.Error = Failed, err.Error()
	}
	r.report.Steps = append(r.report.Steps, rec)
	if err != nil {
		return &stepError{step: name, err: err}
	}
	return nil
}

// skipStep records a step that did not need to run.
func (r *run) skipStep(name, why string) {
	r.report.Steps = append(r.report.Steps, StepRecord{Name: name, Result: Skipped, Detail: why})
}

// plannedSteps is the whole sequence for the report's environment, so that
// steps after a failure are recorded as skipped.
func (r *run) plannedSteps() []string {
	rep := r.report
	if rep.Env == "prod" {
		return []string{StepInput, StepVerifyTested, StepPlan, StepApply, StepOutputs, StepPromote, StepRollout}
	}
	return []string{StepInput, StepPlan, StepApply, StepOutputs, StepPublish, StepRollout, StepIntegrationTests, StepAttest}
}

func (r *run) remaining() []string {
	done := map[string]bool{}
	for _, s := range r.report.Steps {
		done[s.Name] = true
	}
	var rest []string
	if r.gateOnly {
		return nil // a gate-only run records what it ran
	}
	for _, name := range r.plannedSteps() {
		if !done[name] {
			rest = append(rest, name)
		}
	}
	return rest
}

func (r *run) deploy(ctx context.Context, req Request) error {
	rep := r.report
	var image imageref.Ref
	if err := r.step(StepInput, func() (string, error) {
		if err := checkRequest(req); err != nil {
			return "", err
		}
		if req.Image != "" {
			image, _ = imageref.Parse(req.Image) // checked above
		}
		return "", nil
	}); err != nil {
		return err
	}
	if req.Env == "prod" {
		if err := r.step(StepVerifyTested, func() (string, error) {
			return image.Digest, r.steps.VerifyTested(ctx, image)
		}); err != nil {
			return err
		}
	}

	var plan tf.PlanOutput
	if err := r.step(StepPlan, func() (string, error) {
		var err error
		if req.Reviewed != nil {
			plan, err = r.steps.FetchPlan(ctx, req.Env, *req.Reviewed)
		} else {
			plan, err = r.steps.Plan(ctx, req.Env)
		}
		if err != nil {
			return "", err
		}
		rep.Plan = &plan
		if req.Reviewed != nil {
			return "the reviewed plan (sha256 " + req.Reviewed.SHA256[:12] + "): " + plan.Summary.Headline(), nil
		}
		return plan.Summary.Headline(), nil
	}); err != nil {
		return err
	}
	if !plan.HasChanges {
		// Nothing to apply: the deploy is a rollout only.
		r.skipStep(StepApply, "no changes")
	} else if err := r.step(StepApply, func() (string, error) {
		a, err := r.steps.Apply(ctx, plan)
		if err != nil {
			return "", err
		}
		rep.Apply = &a
		return a.StateAfter.String(), nil
	}); err != nil {
		return err
	}
	var out tf.Outputs
	if err := r.step(StepOutputs, func() (string, error) {
		var err error
		out, err = r.steps.Outputs(ctx, req.Env)
		if err != nil {
			return "", err
		}
		if out.Environment != req.Env {
			return "", fmt.Errorf("the outputs are for environment %q, not %q: the backend holds another environment's state", out.Environment, req.Env)
		}
		rep.AppURL = out.AppURL
		return out.AppURL, nil
	}); err != nil {
		return err
	}

	switch {
	case req.Env == "prod":
		if err := r.step(StepPromote, func() (string, error) {
			promoted, err := r.steps.Promote(ctx, image, out.ECRRepositoryURL)
			if err != nil {
				return "", err
			}
			if promoted.Digest != image.Digest || promoted.Name() != out.ECRRepositoryURL {
				return "", fmt.Errorf("promote returned %s, not %s in %s", promoted, image.Digest, out.ECRRepositoryURL)
			}
			rep.PromotedFrom, image = image.String(), promoted
			return promoted.String(), nil
		}); err != nil {
			return err
		}
	case req.Image == "":
		if err := r.step(StepPublish, func() (string, error) {
			built, err := r.steps.Publish(ctx, req.Revision, out.ECRRepositoryURL)
			if err != nil {
				return "", err
			}
			if built.Name() != out.ECRRepositoryURL {
				return "", fmt.Errorf("publish pushed to %s, not to the test repository %s", built.Name(), out.ECRRepositoryURL)
			}
			image = built
			return built.String(), nil
		}); err != nil {
			return err
		}
	}
	rep.Image = image.String()

	if err := r.step(StepRollout, func() (string, error) {
		res, err := r.steps.Rollout(ctx, req.Env, image, out)
		if res.Status != "" {
			rep.Rollout = &res
		}
		if err != nil {
			return "", err
		}
		if !res.OK() {
			return "", fmt.Errorf("the rollout ended %s: %s", res.Status, res.Error)
		}
		return fmt.Sprintf("%s on %d host(s)", res.Status, len(res.Hosts)), nil
	}); err != nil {
		return err
	}
	if req.Env == "test" && !req.SkipIntegrationTests {
		return r.gate(ctx, out.AppURL, &image)
	}
	return nil
}

// gate runs the integration suite and fails unless it passed; then, for an
// image, it attests that the image passed.
func (r *run) gate(ctx context.Context, appURL string, image *imageref.Ref) error {
	if err := r.step(StepIntegrationTests, func() (string, error) {
		stream, err := r.steps.IntegrationTest(ctx, appURL)
		if err != nil && len(stream) == 0 {
			return "", fmt.Errorf("running the integration suite: %w", err)
		}
		// A stream is kept and judged even when the runner also reports an
		// error (a suite that failed exits non-zero).
		r.report.testStream = stream
		r.report.Tests = testjson.Parse(stream)
		if err := r.report.Tests.Err(); err != nil {
			return "", err
		}
		passed, _, _ := r.report.Tests.Counts()
		return fmt.Sprintf("%d checks passed against %s", passed, appURL), nil
	}); err != nil {
		return err
	}
	if image == nil {
		return nil
	}
	return r.step(StepAttest, func() (string, error) {
		passed, _, _ := r.report.Tests.Counts()
		if err := r.steps.Attest(ctx, *image, passed, r.report.Revision); err != nil {
			return "", err
		}
		return "gate record signed for " + image.Digest, nil
	})
}
