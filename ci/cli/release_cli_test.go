package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/gangway-dev/gangway/ci/release"
	"github.com/gangway-dev/gangway/internal/components"
)

// motoSSMClient is an SSM client of m, for a test's setup and checks.
func motoSSMClient(t *testing.T, m *components.Moto) *ssm.Client {
	t.Helper()
	cfg := m.AWSConfig()
	return ssm.NewFromConfig(cfg)
}

// The two release parameters, for both tests of a test environment.
const imageParam, scriptParam = "/gangway/test/image", "/gangway/test/rollout-script"

// releaseWorld prepares m as a rollout of test finds it: the state bucket,
// and the two release parameters as terraform creates them ("none"); it
// returns an SSM client for the test's checks.
func releaseWorld(t *testing.T, m *components.Moto) *ssm.Client {
	t.Helper()
	ctx := context.Background()
	s3API, _ := motoClients(t, m)
	if _, err := s3API.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("gangway-state")}); err != nil {
		t.Fatal(err)
	}
	api := motoSSMClient(t, m)
	for _, name := range []string{imageParam, scriptParam} {
		if _, err := api.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String("none"), Type: types.ParameterTypeString, Tier: types.ParameterTierAdvanced}); err != nil {
			t.Fatal(err)
		}
	}
	return api
}

// A rollout records the release where a booting host reads it before it
// touches any host; a parameter it cannot write stops it there.
func TestRolloutRecordsReleaseFirst(t *testing.T) {
	t.Parallel()
	m := components.MotoT(t)
	ctx := context.Background()
	api := releaseWorld(t, m)
	image := "123456789012.dkr.ecr.us-east-1.amazonaws.com/gangway-test@sha256:" + hex64
	served := `GANGWAY_RESULT {"status":"deployed","mode":"deploy","image":"` + image + `","slot":"green","message":"serving"}`
	shim, sent := ssmShim(t, m.Endpoint, map[string]string{"i-0a": served, "i-0b": served})
	env := motoEnv(t, m)
	env["AWS_ENDPOINT_URL"] = shim

	// A script parameter that cannot be written (a reserved name): no
	// command is sent, and the image parameter still says none.
	code, stdout, stderr := run(t, env, "rollout", "--env", "test", "--image", image,
		"--image-parameter", imageParam, "--rollout-script-parameter", "awsgangway")
	if code != ExitFailure || stdout != "" || !strings.Contains(stderr, "SSM parameter awsgangway") || !strings.Contains(stderr, "no host was touched") {
		t.Errorf("rollout whose release cannot be recorded: exit %d, stdout %q, stderr %q; want a failure before any host", code, stdout, stderr)
	}
	if got := sent(); len(got) != 0 {
		t.Errorf("%d commands sent after the release failed to record; want none", len(got))
	}
	get := func(name string) string {
		out, err := api.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Parameter.Value)
	}
	if got := get(imageParam); got != "none" {
		t.Errorf("image parameter after the refused rollout = %q, want none", got)
	}

	// Both flags or neither.
	code, _, stderr = run(t, env, "rollout", "--env", "test", "--image", image, "--image-parameter", imageParam)
	if code != ExitUsage || !strings.Contains(stderr, "go together") {
		t.Errorf("--image-parameter alone: exit %d, stderr %q; want a usage error", code, stderr)
	}

	code, stdout, stderr = run(t, env, "rollout", "--env", "test", "--image", image,
		"--image-parameter", imageParam, "--rollout-script-parameter", scriptParam)
	if code != ExitOK || !strings.Contains(stdout, `"status": "deployed"`) {
		t.Fatalf("rollout: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if got := get(imageParam); got != image {
		t.Errorf("image parameter = %q, want %q", got, image)
	}
	script, err := release.DecodeScript(get(scriptParam))
	if err != nil || !strings.Contains(script, "IMAGE='"+image+"'") {
		t.Errorf("script parameter decodes to %d bytes (%v); want the script of %s", len(script), err, image)
	}
	// The recorded script is the one the hosts were sent, one host a batch.
	cmds := sent()
	if len(cmds) != 2 {
		t.Errorf("%d commands sent; want 2, one for each host", len(cmds))
	}
	for _, c := range cmds {
		if !strings.Contains(c, script) {
			t.Errorf("a command does not carry the recorded script")
		}
	}

	// A rollout that fails on a host puts the release back: a host that
	// boots later serves what the fleet kept, not the refused image.
	refused := "123456789012.dkr.ecr.us-east-1.amazonaws.com/gangway-test@sha256:" + strings.Repeat("b", 64)
	failed := `GANGWAY_RESULT {"status":"rolled_back","mode":"deploy","image":"` + refused + `","message":"never healthy"}`
	failing, _ := ssmShim(t, m.Endpoint, map[string]string{"i-0a": failed, "i-0b": failed})
	env["AWS_ENDPOINT_URL"] = failing
	code, _, stderr = run(t, env, "rollout", "--env", "test", "--image", refused,
		"--image-parameter", imageParam, "--rollout-script-parameter", scriptParam)
	if code != ExitFailure {
		t.Fatalf("failing rollout: exit %d, stderr %q; want 1", code, stderr)
	}
	if got := get(imageParam); got != image {
		t.Errorf("image parameter after the failed rollout = %q, want the release before it, %q", got, image)
	}
	if got, err := release.DecodeScript(get(scriptParam)); err != nil || got != script {
		t.Errorf("script parameter after the failed rollout is not the one before it (%v)", err)
	}

	// A plain rollback records what the hosts went back to: a host that
	// boots later serves it, not the release rolled back from.
	next := "123456789012.dkr.ecr.us-east-1.amazonaws.com/gangway-test@sha256:" + strings.Repeat("c", 64)
	nextServed := `GANGWAY_RESULT {"status":"deployed","mode":"deploy","image":"` + next + `","slot":"blue","message":"serving"}`
	ok, _ := ssmShim(t, m.Endpoint, map[string]string{"i-0a": nextServed, "i-0b": nextServed})
	env["AWS_ENDPOINT_URL"] = ok
	if code, _, stderr := run(t, env, "rollout", "--env", "test", "--image", next,
		"--image-parameter", imageParam, "--rollout-script-parameter", scriptParam); code != ExitOK {
		t.Fatalf("rollout of the next release: exit %d, stderr %q", code, stderr)
	}
	back := `GANGWAY_RESULT {"status":"deployed","mode":"rollback","image":"` + image + `","slot":"green","message":"back"}`
	rolledBack, _ := ssmShim(t, m.Endpoint, map[string]string{"i-0a": back, "i-0b": back})
	env["AWS_ENDPOINT_URL"] = rolledBack
	if code, _, stderr := run(t, env, "rollback", "--env", "test",
		"--image-parameter", imageParam, "--rollout-script-parameter", scriptParam); code != ExitOK {
		t.Fatalf("rollback: exit %d, stderr %q", code, stderr)
	}
	if got := get(imageParam); got != image {
		t.Errorf("image parameter after the rollback = %q, want what the hosts went back to, %q", got, image)
	}
	if got, err := release.DecodeScript(get(scriptParam)); err != nil || !strings.Contains(got, "IMAGE='"+image+"'") {
		t.Errorf("script parameter after the rollback is not the script of %s (%v)", image, err)
	}
	// Hosts back on different images leave the parameters as they are
	// (neither host's image is the one recorded).
	third := "123456789012.dkr.ecr.us-east-1.amazonaws.com/gangway-test@sha256:" + strings.Repeat("d", 64)
	backThird := `GANGWAY_RESULT {"status":"deployed","mode":"rollback","image":"` + third + `","slot":"blue","message":"back"}`
	split, _ := ssmShim(t, m.Endpoint, map[string]string{"i-0a": backThird, "i-0b": nextServed})
	env["AWS_ENDPOINT_URL"] = split
	if code, _, stderr := run(t, env, "rollback", "--env", "test",
		"--image-parameter", imageParam, "--rollout-script-parameter", scriptParam); code != ExitOK || !strings.Contains(stderr, "different images") {
		t.Errorf("rollback to different images: exit %d, stderr %q; want it to say the release is left", code, stderr)
	}
	if got := get(imageParam); got != image {
		t.Errorf("image parameter after a split rollback = %q, want it left at %q", got, image)
	}
}
