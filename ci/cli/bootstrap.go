package cli

import (
	"context"
	"flag"

	"github.com/aws/aws-sdk-go-v2/service/s3"

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
			return func(ctx context.Context, io IO) error {
				sess, err := connectAWS(ctx, io, a)
				if err != nil {
					return err
				}
				name := *bucket
				if name == "" {
					name = io.Getenv("TF_STATE_BUCKET")
				}
				if name == "" {
					name = tf.DefaultStateBucket(sess.identity.Account, sess.settings.Region)
				}
				client := s3.NewFromConfig(sess.cfg, func(o *s3.Options) { o.UsePathStyle = sess.settings.Emulated() })
				res, err := tf.Bootstrap(ctx, client, name, sess.settings.Region)
				if err != nil {
					return err
				}
				io.Log.Info("state bucket ready", "bucket", res.Bucket, "created", res.Created)
				return writeJSON(io.Stdout, res)
			}
		},
	}
}
