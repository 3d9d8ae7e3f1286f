package cli

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/gangway-dev/gangway/ci/tf"
)

func planCommand() command {
	return command{
		name:    "plan",
		summary: "terraform plan for an environment to a file bound to its state; JSON + Markdown summary",
		setup: func(fs *flag.FlagSet) func(context.Context, IO) error {
			var f tfFlags
			f.register(fs)
			out := fs.String("out", "", "plan file to write (default gangway-<env>.tfplan); its binding is written to FILE.binding.json")
			md := fs.String("summary-md", "", "also write the Markdown summary to this file")
			return func(ctx context.Context, io IO) error {
				r, _, err := f.runner(ctx, io)
				if err != nil {
					return err
				}
				if *out == "" {
					*out = "gangway-" + f.env + ".tfplan"
				}
				p, err := r.Plan(ctx, *out)
				if err != nil {
					return tfFailure(io, f.env, err)
				}
				io.Log.Info("planned", "env", f.env, "summary", p.Summary.Headline(), "plan", p.PlanFile)
				if *md != "" {
					if err := os.WriteFile(*md, []byte(p.Summary.Markdown(f.env)), 0o644); err != nil {
						return fmt.Errorf("writing the Markdown summary: %w", err)
					}
				}
				return writeJSON(io.Stdout, tf.NewPlanOutput(f.env, p))
			}
		},
	}
}
