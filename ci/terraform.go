package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/gangway-dev/gangway/ci/internal/dagger"
	"github.com/gangway-dev/gangway/ci/steps"
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

// run executes one pipeline CLI command line in the toolbox. Its effect on
// the outside world is the point, so a nonce keeps it out of the cache.
func (m *Gangway) run(args []string, argsErr error) (*dagger.Container, error) {
	if argsErr != nil {
		return nil, argsErr
	}
	c, err := m.toolbox()
	if err != nil {
		return nil, err
	}
	return c.
		WithEnvVariable("GANGWAY_NONCE", steps.Nonce()).
		WithExec(args), nil
}

// stdout runs args like run and returns what the CLI printed (JSON).
func (m *Gangway) stdout(ctx context.Context, args []string) (string, error) {
	c, err := m.run(args, nil)
	if err != nil {
		return "", err
	}
	out, err := c.Stdout(ctx)
	return out, cliError(args, err)
}

// cliError turns a failed CLI exec into an error that says which step
// failed, with the CLI's exit code and its own message (the end of stderr).
func cliError(args []string, err error) error {
	var exec *ExecError
	if !errors.As(err, &exec) {
		return err
	}
	return fmt.Errorf("pipeline %s failed (exit %d):\n%s", args[1], exec.ExitCode, steps.LastLines(exec.Stderr, 20))
}

// Plan is a saved Terraform plan and its summary.
type Plan struct {
	// Environment the plan is for.
	Env string
	// Markdown summary: adds, changes and destroys per resource.
	Summary string
	// What `pipeline plan` printed (JSON).
	Result string
	// The saved plan, to pass to apply.
	File *dagger.File
}

// Files returns the plan, its summary and the CLI's result in one directory (plan.tfplan, plan.md, plan.json), for export.
func (p *Plan) Files() *dagger.Directory {
	return dag.Directory().
		WithFile("plan.tfplan", p.File).
		WithNewFile("plan.md", p.Summary).
		WithNewFile("plan.json", p.Result)
}

// Plan the Terraform changes for an environment; returns the Markdown summary and the saved plan.
// +cache="never"
func (m *Gangway) Plan(
	ctx context.Context,
	// Environment: test or prod.
	env string,
) (*Plan, error) {
	planFile, summaryFile := workDir+"/plan.tfplan", workDir+"/plan.md"
	c, err := m.run(steps.PlanArgs(env, planFile, summaryFile))
	if err != nil {
		return nil, err
	}
	result, err := c.Stdout(ctx)
	if err != nil {
		return nil, cliError([]string{steps.CLI, "plan"}, err)
	}
	summary, err := c.File(summaryFile).Contents(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the plan summary: %w", err)
	}
	return &Plan{Env: env, Summary: summary, Result: result, File: c.File(planFile)}, nil
}

// Apply the Terraform configuration of an environment, from a saved plan when given; returns the CLI's JSON result.
// +cache="never"
func (m *Gangway) Apply(
	ctx context.Context,
	// Environment: test or prod.
	env string,
	// A plan saved by plan for this environment; the CLI refuses one made from another state. Without it apply plans afresh.
	// +optional
	plan *dagger.File,
) (string, error) {
	planFile := ""
	if plan != nil {
		planFile = workDir + "/apply.tfplan"
	}
	args, err := steps.ApplyArgs(env, planFile)
	if err != nil {
		return "", err
	}
	if plan == nil {
		return m.stdout(ctx, args)
	}
	c, err := m.toolbox()
	if err != nil {
		return "", err
	}
	out, err := c.
		WithFile(planFile, plan).
		WithEnvVariable("GANGWAY_NONCE", steps.Nonce()).
		WithExec(args).
		Stdout(ctx)
	if err != nil {
		return "", cliError(args, err)
	}
	return out, nil
}

// Outputs returns an environment's Terraform outputs as JSON (app_url, ecr_repository_url, instance_id, …).
// +cache="never"
func (m *Gangway) Outputs(
	ctx context.Context,
	// Environment: test or prod.
	env string,
) (string, error) {
	args, err := steps.OutputsArgs(env)
	if err != nil {
		return "", err
	}
	return m.stdout(ctx, args)
}

// outputs reads and parses env's outputs.
func (m *Gangway) outputs(ctx context.Context, env string) (steps.Outputs, error) {
	out, err := m.Outputs(ctx, env)
	if err != nil {
		return nil, fmt.Errorf("reading %s outputs: %w", env, err)
	}
	return steps.ParseOutputs([]byte(out))
}
