package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gangway-dev/gangway/ci/gha"
)

// ghaKinds builds a report from each kind of input.
var ghaKinds = map[string]func([]byte) (gha.Report, error){
	"plan":    gha.PlanReport,
	"rollout": gha.RolloutReport,
	"tests":   func(b []byte) (gha.Report, error) { return gha.TestsReport(strings.NewReader(string(b))) },
}

func ghaCommand() command {
	return command{
		name:    "gha",
		summary: "gha plan|rollout|tests --input FILE: GitHub job summary, step outputs, annotations (nothing outside Actions)",
		flags:   func() commandFlags { return &ghaFlags{} },
	}
}

// ghaFlags holds gha's arguments (the report and its --input); it has no flags.
type ghaFlags struct {
	args []string
}

func (f *ghaFlags) register(*flag.FlagSet) {}

func (f *ghaFlags) setArgs(args []string) { f.args = args }

func (f *ghaFlags) run(_ context.Context, sys IO) error {
	args := f.args
	if len(args) == 0 {
		return usagef("say what to report: gha plan|rollout|tests --input FILE")
	}
	build, ok := ghaKinds[args[0]]
	if !ok {
		return usagef("unknown report %q: use plan, rollout or tests", args[0])
	}
	sub := flag.NewFlagSet("pipeline gha "+args[0], flag.ContinueOnError)
	sub.SetOutput(sys.Stderr)
	input := sub.String("input", "", "the JSON of `pipeline "+args[0]+"` (for tests: `go test -json` output); - for stdin")
	if err := sub.Parse(args[1:]); err != nil {
		return &UsageError{Err: err}
	}
	if sub.NArg() > 0 || *input == "" {
		return usagef("usage: gha %s --input FILE", args[0])
	}
	var data []byte
	var err error
	if *input == "-" {
		data, err = io.ReadAll(sys.Stdin)
	} else {
		data, err = os.ReadFile(*input)
	}
	if err != nil {
		return &UsageError{Err: fmt.Errorf("reading --input: %w", err)}
	}
	r, err := build(data)
	if err != nil {
		return &UsageError{Err: err}
	}
	err = gha.Publish(r, sys.Getenv, sys.Stderr)
	if errors.Is(err, gha.ErrNotInActions) {
		sys.Log.Info(err.Error())
		return writeJSON(sys.Stdout, map[string]any{"published": false, "reason": err.Error(), "errors": r.Failed()})
	}
	if err != nil {
		return err
	}
	return writeJSON(sys.Stdout, map[string]any{"published": true, "outputs": len(r.Outputs), "annotations": len(r.Annotations), "errors": r.Failed()})
}
