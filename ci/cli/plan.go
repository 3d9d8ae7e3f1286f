package cli

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/gangway-dev/gangway/ci/planstore"
	"github.com/gangway-dev/gangway/ci/tf"
)

func planCommand() command {
	return command{
		name:    "plan",
		summary: "terraform plan for an environment to a file bound to its state; JSON + Markdown summary",
		flags:   func() commandFlags { return &planFlags{} },
	}
}

// planFlags are plan's flags.
type planFlags struct {
	tfFlags
	out     string
	md      string
	storeAs string
}

func (f *planFlags) register(fs *flag.FlagSet) {
	f.tfFlags.register(fs)
	fs.StringVar(&f.out, "out", "", "plan file to write (default gangway-<env>.tfplan); its binding is written to FILE.binding.json")
	fs.StringVar(&f.md, "summary-md", "", "also write the Markdown summary to this file")
	fs.BoolVar(&f.noLock, "no-lock", false, "plan without taking the state lock: a preview under a role that may only read the state")
	fs.StringVar(&f.storeAs, "store-as", "", "also store the plan for a later job to apply, encrypted in the state bucket under gangway/<env>/plans/RUN.tfplan.tar (RUN: e.g. the CI run id and attempt)")
}

func (f *planFlags) run(ctx context.Context, sys IO) error {
	if f.noLock && f.storeAs != "" {
		return usagef("--no-lock and --store-as do not go together: a plan stored for applying takes the lock")
	}
	var key string
	if f.storeAs != "" {
		var err error
		if key, err = planstore.Key(f.env, f.storeAs); err != nil {
			return &UsageError{Err: fmt.Errorf("--store-as: %w", err)}
		}
	}
	r, sess, err := f.runner(ctx, sys)
	if err != nil {
		return err
	}
	if f.out == "" {
		f.out = "gangway-" + f.env + ".tfplan"
	}
	p, err := r.Plan(ctx, f.out)
	if err != nil {
		return tfFailure(sys, f.env, err)
	}
	sys.Log.Info("planned", "env", f.env, "summary", p.Summary.Headline(), "plan", p.PlanFile)
	if f.md != "" {
		if err := os.WriteFile(f.md, []byte(p.Summary.Markdown(f.env)), 0o644); err != nil {
			return fmt.Errorf("writing the Markdown summary: %w", err)
		}
	}
	out := tf.NewPlanOutput(f.env, p)
	if key != "" {
		bundle, sum, err := planstore.Pack(out)
		if err != nil {
			return err
		}
		store := planstore.Store{S3: sess.s3(), Bucket: r.Bucket(), Owner: sess.identity.Account}
		if err := store.Put(ctx, f.env, key, bundle, sum); err != nil {
			return err
		}
		out.StoredKey, out.BundleSHA256 = key, sum
		sys.Log.Info("plan stored for review", "key", key, "sha256", sum)
	}
	return writeJSON(sys.Stdout, out)
}
