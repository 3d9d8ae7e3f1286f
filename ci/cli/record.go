package cli

// The deploy record: every rollout and rollback writes one to the
// environment's state bucket (package history), whatever its result.

import (
	"context"
	"fmt"
	"time"

	"github.com/gangway-dev/gangway/ci/history"
	"github.com/gangway-dev/gangway/ci/tf"
)

// stateBucket is the state bucket: flag, else $TF_STATE_BUCKET, else
// (outside CI only) the conventional name for the account and region. In
// CI the name must be given: a predictable name could be another account's
// bucket, and every call also names the owner (ExpectedBucketOwner).
func stateBucket(sys IO, sess *awsSession, flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if b := sys.Getenv("TF_STATE_BUCKET"); b != "" {
		return b, nil
	}
	if sys.Getenv("CI") == "true" || sys.Getenv("GITHUB_ACTIONS") == "true" || sys.Getenv("GITLAB_CI") == "true" {
		return "", usagef("no state bucket: in CI set TF_STATE_BUCKET (or --state-bucket) to the bucket the bootstrap created; the conventional name is not trusted there")
	}
	return tf.DefaultStateBucket(sess.identity.Account, sess.settings.Region), nil
}

// historyStore is env's deploy history in the session's state bucket.
func historyStore(sys IO, sess *awsSession, flag string) (history.Store, error) {
	bucket, err := stateBucket(sys, sess, flag)
	if err != nil {
		return history.Store{}, err
	}
	return history.Store{S3: sess.s3(), Bucket: bucket, Owner: sess.identity.Account}, nil
}

// writeRecord writes rec even when ctx was cancelled (a rollout cut short
// is recorded too). The error says what the audit trail now misses.
func writeRecord(ctx context.Context, sys IO, store history.Store, rec history.Record) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	err := store.Put(ctx, rec)
	if err == nil {
		sys.Log.Info("deploy record written", "bucket", store.Bucket, "prefix", history.Prefix(rec.Env), "result", rec.Result)
		return nil
	}
	return fmt.Errorf("the %s itself ended %q (the report above), but its deploy record was NOT written, so the audit trail misses it; "+
		"the deploy role needs s3:PutObject on s3://%s/%s*: %w", rec.Kind, rec.Result, store.Bucket, history.Prefix(rec.Env), err)
}

// errNeverDeployed says env has no deploy record.
func errNeverDeployed(env string, err error) error {
	return fmt.Errorf("%s was never deployed by the pipeline (%w); deploy it first: pipeline rollout --env %s --image REPO@sha256:…, or the deploy workflow", env, err, env)
}
