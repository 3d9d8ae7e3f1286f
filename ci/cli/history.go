package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/gangway-dev/gangway/ci/envname"
	"github.com/gangway-dev/gangway/ci/history"
)

func historyCommand() command {
	return command{
		name:    "history",
		summary: "the environment's deploy audit trail: who deployed or rolled back which digest, from what commit, when, the result and the duration",
		flags:   func() commandFlags { return &historyFlags{} },
	}
}

// historyFlags are history's flags: of tfFlags, only those a run without terraform needs.
type historyFlags struct {
	tfFlags
	limit int
	md    string
}

func (f *historyFlags) register(fs *flag.FlagSet) {
	f.aws.register(fs)
	registerEnv(fs, &f.env, "environment")
	fs.StringVar(&f.stateBucket, "state-bucket", "", "S3 state bucket (default $TF_STATE_BUCKET, else gangway-tfstate-<account>-<region>)")
	fs.IntVar(&f.limit, "limit", 20, "newest records to show (0 for all)")
	fs.StringVar(&f.md, "summary-md", "", "also write the records as a Markdown table to this file")
}

func (f *historyFlags) run(ctx context.Context, sys IO) error {
	if err := envname.Validate(f.env); err != nil {
		return &UsageError{Err: err}
	}
	if f.limit < 0 {
		return usagef("--limit must not be negative")
	}
	sess, err := connectAWS(ctx, sys, f.aws)
	if err != nil {
		return err
	}
	bucket, err := f.bucket(sys, sess)
	if err != nil {
		return err
	}
	records, err := history.Store{S3: sess.s3(), Bucket: bucket, Owner: sess.identity.Account}.List(ctx, f.env, f.limit)
	if errors.Is(err, history.ErrNoHistory) {
		_ = writeJSON(sys.Stdout, []history.Record{})
		return err
	}
	if err != nil {
		return err
	}
	table := history.Markdown(f.env, records)
	fmt.Fprint(sys.Stderr, table)
	if f.md != "" {
		if err := os.WriteFile(f.md, []byte(table), 0o644); err != nil {
			return fmt.Errorf("writing the Markdown table: %w", err)
		}
	}
	return writeJSON(sys.Stdout, records)
}
