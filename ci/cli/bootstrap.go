package cli

import (
	"context"
	"flag"

	"github.com/gangway-dev/gangway/ci/tf"
)

func bootstrapCommand() command {
	return command{
		name:    "bootstrap",
		summary: "create the terraform state bucket (versioned, encrypted, private); idempotent",
		flags:   func() commandFlags { return &bootstrapFlags{} },
	}
}

// bootstrapFlags are bootstrap's flags.
type bootstrapFlags struct {
	aws    awsFlags
	bucket string
}

func (f *bootstrapFlags) register(fs *flag.FlagSet) {
	f.aws.register(fs)
	fs.StringVar(&f.bucket, "bucket", "", "state bucket name (default $TF_STATE_BUCKET, else gangway-tfstate-<account>-<region>)")
}

func (f *bootstrapFlags) run(ctx context.Context, sys IO) error {
	sess, err := connectAWS(ctx, sys, f.aws)
	if err != nil {
		return err
	}
	name := f.bucket
	if name == "" {
		name = sys.Getenv("TF_STATE_BUCKET")
	}
	if name == "" {
		name = tf.DefaultStateBucket(sess.identity.Account, sess.settings.Region)
	}
	res, err := tf.Bootstrap(ctx, sess.s3(), name, sess.settings.Region)
	if err != nil {
		return err
	}
	sys.Log.Info("state bucket ready", "bucket", res.Bucket, "created", res.Created)
	return writeJSON(sys.Stdout, res)
}
