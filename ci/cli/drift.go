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
		setup: func(fs *flag.FlagSet) func(context.Context, IO) error {
			var f tfFlags
			f.register(fs)
			md := fs.String("summary-md", "", "also write the Markdown report to this file")
			return func(ctx context.Context, sys IO) error {
				r, _, err := f.runner(ctx, sys)
				if err != nil {
					return err
				}
				d, err := r.Drift(ctx)
				if err != nil {
					return tfFailure(sys, f.env, err)
				}
				if *md != "" {
					if err := os.WriteFile(*md, []byte(d.Markdown()), 0o644); err != nil {
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
		},
	}
}
