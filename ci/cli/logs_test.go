package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/gangway-dev/gangway/ci/awsenv"
	"github.com/gangway-dev/gangway/internal/components"
)

// pipeline logs prints the group's lines, one each; bad input and a
// missing group are refused as such.
func TestLogsPrintsTheGroupsLines(t *testing.T) {
	t.Parallel()
	m := components.MotoT(t)
	env := motoEnv(t, m)
	ctx := context.Background()
	cfg, err := awsenv.Load(ctx, func(k string) string { return env[k] }, awsenv.Settings{Region: "us-east-1", Endpoint: m.Endpoint})
	if err != nil {
		t.Fatal(err)
	}
	api := cloudwatchlogs.NewFromConfig(cfg)
	const group, stream = "/gangway/test/app", "i-0abc/gangway-blue/0123"
	if _, err := api.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream)}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream),
		LogEvents: []cwtypes.InputLogEvent{{Message: aws.String(`{"msg":"listening"}`), Timestamp: aws.Int64(time.Now().Add(-time.Minute).UnixMilli())}}}); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := run(t, env, "logs", "--env", "test", "--log-group", group, "--since", "1h")
	if code != ExitOK || !strings.HasSuffix(strings.TrimSpace(stdout), stream+` {"msg":"listening"}`) {
		t.Errorf("logs: exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	code, _, stderr = run(t, env, "logs", "--env", "prod", "--log-group", "/gangway/prod/app")
	if code != ExitUsage || !strings.Contains(stderr, "never applied") {
		t.Errorf("logs of a missing group: exit %d, stderr %s; want 2 and what to do", code, stderr)
	}
	code, _, stderr = run(t, env, "logs", "--env", "test", "--log-group", group, "--since", "0s")
	if code != ExitUsage || !strings.Contains(stderr, "--since") {
		t.Errorf("logs --since 0s: exit %d, stderr %s", code, stderr)
	}
}
