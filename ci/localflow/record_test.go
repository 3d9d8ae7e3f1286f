package localflow

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/gangway-dev/gangway/ci/history"
	"github.com/gangway-dev/gangway/ci/release"
	"github.com/gangway-dev/gangway/ci/tf"
	"github.com/gangway-dev/gangway/internal/components"
)

// The local flow's rollout writes its deploy record where pipeline
// history and pipeline status read it: the state bucket of the
// environment's emulated account.
func TestWriteDeployRecord(t *testing.T) {
	t.Parallel()
	m := components.MotoT(t)
	ctx := context.Background()
	api := s3.NewFromConfig(m.AWSConfig(), func(o *s3.Options) { o.UsePathStyle, o.DisableLogOutputChecksumValidationSkipped = true, true })
	if _, err := api.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(stateBucket)}); err != nil {
		t.Fatal(err)
	}
	rec := history.Record{Env: "test", Kind: "rollout", Actor: "ana (local)", Image: "127.0.0.1:5000/gangway-test@sha256:aa", Started: time.Now(), Result: "deployed", Hosts: 1}
	if err := writeDeployRecord(ctx, m.AWSConfig(), rec); err != nil {
		t.Fatal(err)
	}
	got, err := history.Store{S3: api, Bucket: stateBucket}.List(ctx, "test", 0)
	if err != nil || len(got) != 1 || got[0].Image != rec.Image || got[0].Result != "deployed" {
		t.Errorf("history after the local rollout = %+v, %v", got, err)
	}
}

// The local flow's rollout records the release in the parameters the
// outputs name, in the environment's emulated account, as pipeline
// rollout does on AWS.
func TestRecordRelease(t *testing.T) {
	t.Parallel()
	m := components.MotoT(t)
	ctx := context.Background()
	out := tf.Outputs{Region: "us-east-1", ImageParameter: "/gangway/test/image", RolloutScriptParameter: "/gangway/test/rollout-script"}
	const image, script = "127.0.0.1:5000/gangway-test@sha256:aa", "#!/bin/bash\necho local host\n"
	if err := recordRelease(ctx, m.AWSConfig(), out, image, script); err != nil {
		t.Fatal(err)
	}
	api := ssm.NewFromConfig(m.AWSConfig())
	get := func(name string) string {
		o, err := api.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(o.Parameter.Value)
	}
	if got := get(out.ImageParameter); got != image {
		t.Errorf("image parameter = %q, want %q", got, image)
	}
	if got, err := release.DecodeScript(get(out.RolloutScriptParameter)); err != nil || got != script {
		t.Errorf("script parameter decodes to %q (%v), want %q", got, err, script)
	}
}
