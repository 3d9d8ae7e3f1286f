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
		setup: func(fs *flag.FlagSet) func(context.Context, IO) error {
			var a awsFlags
			a.register(fs)
			bucket := fs.String("bucket", "", "state bucket name (default $TF_STATE_BUCKET, else gangway-tfstate-<account>-<region>)")
			return func(ctx context.Context, sys IO) error {
				sess, err := connectAWS(ctx, sys, a)
				if err != nil {
					return err
				}
				name := *bucket
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
		},
	}
}
