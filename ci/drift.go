package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gangway-dev/gangway/ci/deploy"
	"github.com/gangway-dev/gangway/ci/gha"
	"github.com/gangway-dev/gangway/ci/steps"
	"github.com/gangway-dev/gangway/ci/tf"
)

// Drift compares an environment with its Terraform state (a refresh-only plan) and reports each resource and attribute changed outside Terraform; returns the report, passed or drifted: export files, then call verdict.
// +cache="never"
func (m *Gangway) Drift(
	ctx context.Context,
	// Environment: test or prod.
	env string,
) (*Report, error) {
	const md = workDir + "/drift.md"
	args, err := steps.DriftArgs(steps.TerraformDir, env, md)
	if err != nil {
		return nil, err
	}
	run, err := m.cli(ctx, args, nil)
	if err != nil {
		return nil, err
	}
	var d tf.Drift
	if jerr := json.Unmarshal([]byte(run.stdout), &d); jerr != nil || d.Env == "" {
		// The check could not run (no state, no access): that is a
		// failure, never "no drift".
		return checkReport("drift", run.err(), "", nil)
	}
	out := deploy.Outcome{OK: !d.Drifted}
	if d.Drifted {
		out.FailedStep, out.Error = "drift", fmt.Sprintf("%d resource(s) of %s changed outside Terraform", len(d.Resources), env)
	}
	files, err := gha.Files(gha.ForDrift(d))
	if err != nil {
		return nil, err
	}
	extra := map[string][]byte{"drift.json": []byte(run.stdout)}
	for name, data := range files {
		extra[deploy.DirGitHub+"/"+name] = data
	}
	return outcomeReport(out, d.Markdown(), extra)
}

// checkReport is the Report of a check that failed to run (err) or passed.
func checkReport(step string, err error, summary string, extra map[string][]byte) (*Report, error) {
	out := deploy.Outcome{OK: err == nil}
	if err != nil {
		out.FailedStep, out.Error = step, err.Error()
		summary += "\n**" + step + " failed:** " + err.Error() + "\n"
		files, ferr := gha.Files(gha.Report{Summary: summary, Annotations: []gha.Annotation{{Level: gha.LevelError, Title: step, Message: err.Error()}}})
		if ferr != nil {
			return nil, ferr
		}
		if extra == nil {
			extra = map[string][]byte{}
		}
		for name, data := range files {
			extra[deploy.DirGitHub+"/"+name] = data
		}
	}
	return outcomeReport(out, summary, extra)
}

// outcomeReport makes a Report of an outcome, its Markdown and its files.
func outcomeReport(out deploy.Outcome, summary string, extra map[string][]byte) (*Report, error) {
	result, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{deploy.FileResult: append(result, '\n'), deploy.FileSummary: []byte(summary)}
	for name, data := range extra {
		files[name] = data
	}
	return &Report{Ok: out.OK, FailedStep: out.FailedStep, Error: out.Error, Summary: summary, Files: directory(files)}, nil
}
