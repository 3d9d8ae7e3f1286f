package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/gangway-dev/gangway/ci/deploy"
	"github.com/gangway-dev/gangway/ci/dotenv"
	"github.com/gangway-dev/gangway/ci/gha"
	"github.com/gangway-dev/gangway/ci/hostresult"
	"github.com/gangway-dev/gangway/ci/internal/dagger"
	"github.com/gangway-dev/gangway/ci/steps"
	"github.com/gangway-dev/gangway/ci/tf"
)

// Where the CLI writes the files the module reads back.
const workDir = "/work"

// toolbox is the official Terraform image with the pipeline CLI, the
// repository's terraform/ and the AWS credentials: every CLI step runs in it.
func (m *Gangway) toolbox() (*dagger.Container, error) {
	c := dag.Container().
		From(terraformImage).
		WithFile(steps.CLI, m.pipelineCLI()).
		WithDirectory("/src/"+steps.TerraformDir, m.Source.Directory(steps.TerraformDir)).
		WithWorkdir("/src").
		WithMountedCache("/root/.terraform.d/plugin-cache", dag.CacheVolume("gangway-terraform-plugins")).
		WithEnvVariable("TF_PLUGIN_CACHE_DIR", "/root/.terraform.d/plugin-cache").
		WithEnvVariable("TF_IN_AUTOMATION", "1").
		WithDirectory(workDir, dag.Directory())
	return m.withAWS(c)
}

// cliRun is one finished pipeline CLI command.
type cliRun struct {
	args   []string
	stdout string
	stderr string
	code   int
	// work is the container's workDir after the command (saved plans).
	work *dagger.Directory
}

// err is nil when the command succeeded, and otherwise says which step
// failed, with its exit code and its own message (the end of stderr).
func (r cliRun) err() error {
	if r.code == 0 {
		return nil
	}
	return fmt.Errorf("pipeline %s failed (exit %d):\n%s", r.args[1], r.code, hostresult.Tail(r.stderr, 4000))
}

// cli runs one pipeline CLI command line in the toolbox, with work mounted
// at workDir when given, and returns what it printed and its exit code
// whatever it was: a failed rollout still prints its report. Its effect on
// the outside world is the point, so a nonce keeps it out of the cache.
func (m *Gangway) cli(ctx context.Context, args []string, work *dagger.Directory) (cliRun, error) {
	c, err := m.toolbox()
	if err != nil {
		return cliRun{}, err
	}
	if work != nil {
		c = c.WithDirectory(workDir, work)
	}
	const stdout, stderr = "/tmp/gangway.stdout", "/tmp/gangway.stderr"
	c = c.
		WithEnvVariable("GANGWAY_NONCE", steps.Nonce()).
		WithExec(args, dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny, RedirectStdout: stdout, RedirectStderr: stderr})
	run := cliRun{args: args, work: c.Directory(workDir)}
	if run.code, err = c.ExitCode(ctx); err != nil {
		return run, fmt.Errorf("running pipeline %s: %w", args[1], err)
	}
	if run.stdout, err = c.File(stdout).Contents(ctx); err != nil {
		return run, fmt.Errorf("reading what pipeline %s printed: %w", args[1], err)
	}
	if run.stderr, err = c.File(stderr).Contents(ctx); err != nil {
		return run, fmt.Errorf("reading the log of pipeline %s: %w", args[1], err)
	}
	return run, nil
}

// stdout runs args and returns what the CLI printed (JSON), or its error.
func (m *Gangway) stdout(ctx context.Context, args []string, argsErr error) (string, error) {
	if argsErr != nil {
		return "", argsErr
	}
	run, err := m.cli(ctx, args, nil)
	if err != nil {
		return "", err
	}
	return run.stdout, run.err()
}

// directory turns named files into a Directory, in a stable order.
func directory(files map[string][]byte) *dagger.Directory {
	dir := dag.Directory()
	for _, name := range slices.Sorted(maps.Keys(files)) {
		dir = dir.WithNewFile(name, string(files[name]))
	}
	return dir
}

// Plan is a saved Terraform plan, its binding and its summary.
type Plan struct {
	// Environment the plan is for.
	Env string
	// Markdown summary: adds, changes and destroys per resource.
	Summary string
	// What `pipeline plan` printed (JSON).
	Result string
	// plan.tfplan and plan.tfplan.binding.json (pass the directory to apply --plan), plan.md, plan.json, result.json, github/ (the job summary files) and gitlab/report.env (the outputs as a GitLab dotenv report, e.g. GANGWAY_BUNDLE_SHA256).
	Files *dagger.Directory
}

// Names of the plan files in Plan.Files.
const (
	planFile    = "plan.tfplan"
	planSummary = "plan.md"
)

// Plan the Terraform changes for an environment; returns the Markdown summary and the saved plan with its binding.
// +cache="never"
func (m *Gangway) Plan(
	ctx context.Context,
	// Environment: test or prod.
	env string,
	// Also store the plan for a later job (deploy --plan-run), encrypted in the state bucket under this run's name, e.g. "$GITHUB_RUN_ID-$GITHUB_RUN_ATTEMPT"; its digest is result's bundle_sha256.
	// +optional
	storeAs string,
	// The source revision being planned, recorded in the plan's binding: a stored plan is applied only by a deploy of the same commit.
	// +optional
	commit string,
	// Take no state lock: a preview under a role that may only read the state (a pull request's view of prod).
	// +optional
	noLock bool,
) (*Plan, error) {
	args, err := steps.PlanArgs(steps.TerraformDir, env, workDir+"/"+planFile, workDir+"/"+planSummary, steps.PlanOptions{StoreAs: storeAs, Commit: commit, NoLock: noLock})
	if err != nil {
		return nil, err
	}
	run, err := m.cli(ctx, args, nil)
	if err != nil {
		return nil, err
	}
	if err := run.err(); err != nil {
		return nil, err
	}
	var out tf.PlanOutput
	if err := json.Unmarshal([]byte(run.stdout), &out); err != nil {
		return nil, fmt.Errorf("pipeline plan printed no plan JSON: %w", err)
	}
	summary, err := run.work.File(planSummary).Contents(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the plan summary: %w", err)
	}
	report := gha.ForPlan(out)
	github, err := gha.Files(report)
	if err != nil {
		return nil, err
	}
	gitlab, err := dotenv.Render(report.Outputs)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{
		"plan.json":                  []byte(run.stdout),
		deploy.FileResult:            []byte("{\"ok\": true}\n"),
		"github/" + gha.FileSummary:  github[gha.FileSummary],
		"github/" + gha.FileOutputs:  github[gha.FileOutputs],
		"github/" + gha.FileCommands: github[gha.FileCommands],
		deploy.FileDotenv:            gitlab,
	}
	dir := directory(files).
		WithFile(planFile, run.work.File(planFile)).
		WithFile(tf.BindingPath(planFile), run.work.File(tf.BindingPath(planFile))).
		WithFile(planSummary, run.work.File(planSummary))
	return &Plan{Env: env, Summary: summary, Result: run.stdout, Files: dir}, nil
}

// Apply the Terraform configuration of an environment, from a saved plan when given; returns the CLI's JSON result.
// +cache="never"
func (m *Gangway) Apply(
	ctx context.Context,
	// Environment: test or prod.
	env string,
	// The directory that plan exported (plan.tfplan and its binding); apply refuses a plan made from another state. Without it apply plans afresh.
	// +optional
	plan *dagger.Directory,
) (string, error) {
	if plan == nil {
		args, err := steps.ApplyArgs(steps.TerraformDir, env, "")
		return m.stdout(ctx, args, err)
	}
	args, err := steps.ApplyArgs(steps.TerraformDir, env, workDir+"/"+planFile)
	if err != nil {
		return "", err
	}
	run, err := m.cli(ctx, args, plan)
	if err != nil {
		return "", err
	}
	return run.stdout, run.err()
}

// Outputs returns an environment's Terraform outputs as JSON (app_url, ecr_repository_url, instance_id, …).
// +cache="never"
func (m *Gangway) Outputs(
	ctx context.Context,
	// Environment: test or prod.
	env string,
) (string, error) {
	args, err := steps.OutputsArgs(steps.TerraformDir, env)
	return m.stdout(ctx, args, err)
}
