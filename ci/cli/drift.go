package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
)

// driftFound is a drift found: the check did its job and the environment
// differs from its state (exit 1, with the report on stdout).
type driftFound struct{ n int }

func (d driftFound) Error() string {
	return fmt.Sprintf("%d resource(s) changed outside Terraform: see the report", d.n)
}

func driftCommand() command {
	return command{
		name:    "drift",
		summary: "compare the live environment with its state (refresh-only plan) and report each drifted resource and attribute",
		flags:   func() commandFlags { return &driftFlags{} },
	}
}

// driftFlags are drift's flags.
type driftFlags struct {
	tfFlags
	md string
}

func (f *driftFlags) register(fs *flag.FlagSet) {
	f.tfFlags.register(fs)
	fs.StringVar(&f.md, "summary-md", "", "also write the Markdown report to this file")
}

func (f *driftFlags) run(ctx context.Context, sys IO) error {
	r, _, err := f.runner(ctx, sys)
	if err != nil {
		return err
	}
	d, err := r.Drift(ctx)
	if err != nil {
		return tfFailure(sys, f.env, err)
	}
	if f.md != "" {
		if err := os.WriteFile(f.md, []byte(d.Markdown()), 0o644); err != nil {
			return fmt.Errorf("writing the Markdown report: %w", err)
		}
	}
	if err := writeJSON(sys.Stdout, d); err != nil {
		return err
	}
	if d.Drifted {
		return driftFound{n: len(d.Resources)}
	}
	sys.Log.Info("no drift", "env", f.env, "state", d.State.String())
	return nil
}
