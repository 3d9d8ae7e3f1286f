package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/gangway-dev/gangway/ci/planstore"
)

func fetchPlanCommand() command {
	return command{
		name:    "fetch-plan",
		summary: "fetch the plan a reviewer approved from the state bucket, refusing one edited, foreign or from another commit",
		flags:   func() commandFlags { return &fetchPlanFlags{} },
	}
}

// fetchPlanFlags are fetch-plan's flags.
type fetchPlanFlags struct {
	tfFlags
	runID string // --run
	sha   string
	out   string
}

func (f *fetchPlanFlags) register(fs *flag.FlagSet) {
	f.tfFlags.register(fs)
	fs.StringVar(&f.runID, "run", "", "the run the plan was stored for (plan --store-as RUN)")
	fs.StringVar(&f.sha, "sha256", "", "the digest of the stored plan that the review approved (plan's bundle_sha256)")
	fs.StringVar(&f.out, "out", "", "directory to write the plan and its binding into")
}

func (f *fetchPlanFlags) run(ctx context.Context, sys IO) error {
	key, err := planstore.Key(f.env, f.runID)
	if err != nil {
		return &UsageError{Err: fmt.Errorf("--run: %w", err)}
	}
	if len(f.sha) != 64 {
		return usagef("--sha256 must be the 64 hex digits the plan job reported as bundle_sha256")
	}
	if f.out == "" {
		return usagef("--out DIR is required")
	}
	r, sess, err := f.runner(ctx, sys)
	if err != nil {
		return err
	}
	store := planstore.Store{S3: sess.s3(), Bucket: r.Bucket(), Owner: sess.identity.Account}
	bundle, err := store.Get(ctx, key)
	if err == nil {
		p, uerr := planstore.Unpack(bundle, f.sha, f.env, f.commit, f.out)
		if uerr == nil {
			p.StoredKey, p.BundleSHA256 = key, f.sha
			sys.Log.Info("reviewed plan fetched", "key", key, "plan", p.PlanFile, "summary", p.Summary.Headline())
			return writeJSON(sys.Stdout, p)
		}
		err = uerr
	}
	var re *planstore.RefusedError
	if errors.As(err, &re) {
		_ = writeJSON(sys.Stdout, map[string]any{"env": f.env, "error": "plan_refused", "reason": re.Reason})
	}
	return err
}
