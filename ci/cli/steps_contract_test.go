package cli_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/gangway-dev/gangway/ci/cli"
	"github.com/gangway-dev/gangway/ci/imageref"
	"github.com/gangway-dev/gangway/ci/steps"
	"github.com/gangway-dev/gangway/ci/tf"
)

// TestCommandLinesMatchTheCLI parses every command line that the module and
// the local flow build (package steps) with the real pipeline CLI, followed
// by -help: the CLI stops at -help before running anything, so this proves
// each subcommand and flag exists without any side effect.
func TestCommandLinesMatchTheCLI(t *testing.T) {
	t.Parallel()
	img, err := imageref.Parse("123456789012.dkr.ecr.eu-west-1.amazonaws.com/gangway-test@sha256:" + strings.Repeat("a", 64))
	if err != nil {
		t.Fatal(err)
	}
	ok := func(args []string) func() ([]string, error) { return func() ([]string, error) { return args, nil } }
	prod := tf.Outputs{Environment: "prod", ASGName: "gangway-prod", ImageParameter: "/gangway/prod/image", RolloutScriptParameter: "/gangway/prod/rollout-script"}
	lines := map[string]func() ([]string, error){
		"plan": func() ([]string, error) {
			return steps.PlanArgs(steps.TerraformDir, "test", "/work/plan.tfplan", "/work/plan.md", steps.PlanOptions{StoreAs: "1-1", Commit: "abc"})
		},
		"fetch-plan": func() ([]string, error) {
			return steps.FetchPlanArgs(steps.TerraformDir, "prod", "1-1", strings.Repeat("a", 64), "abc", "/work/plan")
		},
		"apply":         func() ([]string, error) { return steps.ApplyArgs(steps.TerraformDir, "test", "/work/apply.tfplan") },
		"outputs":       func() ([]string, error) { return steps.OutputsArgs(steps.TerraformDir, "test") },
		"verify-tested": ok(steps.VerifyTestedArgs(img)),
		"drift":         func() ([]string, error) { return steps.DriftArgs(steps.TerraformDir, "prod", "/work/drift.md") },
		"attest":        ok(steps.AttestArgs(img, 17, "abc")),
		"promote":       ok(steps.PromoteArgs(img, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/gangway-prod")),
		"rollout": func() ([]string, error) {
			return steps.RolloutArgs("prod", img, steps.Record{Actor: "octocat", Commit: "abc"}, prod)
		},
		"rollback": func() ([]string, error) {
			return steps.RollbackArgs("prod", img.Digest, steps.Record{Actor: "octocat", Commit: "abc"}, prod)
		},
		"rollback to the previous slot": func() ([]string, error) {
			return steps.RollbackArgs("prod", "", steps.Record{Actor: "octocat"}, prod)
		},
		"status":  func() ([]string, error) { return steps.StatusArgs(steps.TerraformDir, "prod") },
		"history": func() ([]string, error) { return steps.HistoryArgs("prod", 5) },
		"logs":    func() ([]string, error) { return steps.LogsArgs(steps.TerraformDir, "prod", "30m", "ERROR", 100) },
	}
	for name, build := range lines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			args, err := build()
			if err != nil {
				t.Fatal(err)
			}
			if args[0] != steps.CLI {
				t.Fatalf("command line starts with %q, want %q", args[0], steps.CLI)
			}
			var stdout, stderr bytes.Buffer
			code := cli.Main(context.Background(), append(args[1:], "-help"), cli.IO{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }})
			if code != cli.ExitOK {
				t.Errorf("pipeline %s rejects the module's command line %q (exit %d):\n%s", name, args[1:], code, stderr.String())
			}
		})
	}
}
