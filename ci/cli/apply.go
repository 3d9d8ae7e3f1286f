package cli

import (
	"context"
	"flag"

	"github.com/gangway-dev/gangway/ci/tf"
)

func applyCommand() command {
	return command{
		name:    "apply",
		summary: "terraform apply of exactly a reviewed plan file (refused if the state moved on), or plan+apply",
		flags:   func() commandFlags { return &applyFlags{} },
	}
}

// applyFlags are apply's flags.
type applyFlags struct {
	tfFlags
	plan string
}

func (f *applyFlags) register(fs *flag.FlagSet) {
	f.tfFlags.register(fs)
	fs.StringVar(&f.plan, "plan", "", "reviewed plan file from `pipeline plan` (default: plan now and apply that plan)")
}

func (f *applyFlags) run(ctx context.Context, sys IO) error {
	r, _, err := f.runner(ctx, sys)
	if err != nil {
		return err
	}
	var a *tf.ApplyResult
	var summary *tf.Summary
	if f.plan != "" {
		a, err = r.Apply(ctx, f.plan)
	} else {
		var p *tf.PlanResult
		p, a, err = r.PlanAndApply(ctx)
		if p != nil {
			summary = &p.Summary
		}
	}
	if err != nil {
		return tfFailure(sys, f.env, err)
	}
	sys.Log.Info("applied", "env", f.env, "state", a.After.String())
	out := tf.ApplyOutput{
		Env: f.env, Applied: true, PlanFile: a.PlanFile,
		StateBefore: a.Before, StateAfter: a.After, Summary: summary,
	}
	if a.SettleError != "" {
		sys.Log.Warn("applied, but the state does not record what the apply left; the next drift check may report Terraform's own changes", "error", a.SettleError)
		out.Warnings = append(out.Warnings, "refresh after apply: "+a.SettleError)
	}
	return writeJSON(sys.Stdout, out)
}
