package steps

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/gangway-dev/gangway/ci/cli"
)

// TestCommandLinesMatchTheCLI parses every command line the module builds
// with the real pipeline CLI, followed by -help: the CLI stops at -help
// before running anything, so this proves each subcommand and flag exists
// without any side effect.
func TestCommandLinesMatchTheCLI(t *testing.T) {
	t.Parallel()
	img := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/gangway-test@sha256:" + strings.Repeat("a", 64)
	lines := map[string]func() ([]string, error){
		"plan":     func() ([]string, error) { return PlanArgs("test", "/work/plan.tfplan", "/work/plan.md") },
		"apply":    func() ([]string, error) { return ApplyArgs("test", "/work/apply.tfplan") },
		"outputs":  func() ([]string, error) { return OutputsArgs("test") },
		"promote":  func() ([]string, error) { return PromoteArgs(img) },
		"rollout":  func() ([]string, error) { return RolloutArgs("prod", img) },
		"rollback": func() ([]string, error) { return RollbackArgs("prod") },
	}
	for name, build := range lines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			args, err := build()
			if err != nil {
				t.Fatal(err)
			}
			if args[0] != CLI {
				t.Fatalf("command line starts with %q, want %q", args[0], CLI)
			}
			var stdout, stderr bytes.Buffer
			code := cli.Main(context.Background(), append(args[1:], "-help"), &stdout, &stderr, func(string) string { return "" })
			if code != cli.ExitOK {
				t.Errorf("pipeline %s rejects the module's command line %q (exit %d):\n%s", name, args[1:], code, stderr.String())
			}
		})
	}
}
