package applogs

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/gangway-dev/gangway/internal/components"
)

// LogsClient is a CloudWatch Logs client of moto m.
func logsClient(t *testing.T, m *components.Moto) *cloudwatchlogs.Client {
	t.Helper()
	cfg := m.AWSConfig()
	return cloudwatchlogs.NewFromConfig(cfg)
}

// put writes lines to stream (created when new) at the given times.
func put(t *testing.T, api *cloudwatchlogs.Client, group, stream string, at time.Time, lines ...string) {
	t.Helper()
	ctx := context.Background()
	_, err := api.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream)})
	var exists *cwtypes.ResourceAlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		t.Fatal(err)
	}
	var events []cwtypes.InputLogEvent
	for i, l := range lines {
		events = append(events, cwtypes.InputLogEvent{Message: aws.String(l), Timestamp: aws.Int64(at.Add(time.Duration(i) * time.Millisecond).UnixMilli())})
	}
	if _, err := api.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream), LogEvents: events}); err != nil {
		t.Fatal(err)
	}
}

func messages(events []Event) string {
	var out []string
	for _, e := range events {
		out = append(out, e.Message)
	}
	return strings.Join(out, ",")
}

// Lines of two hosts' streams come back in time order, within the window,
// the last N of them, filtered; a missing group is named as such.
func TestReadAcrossStreams(t *testing.T) {
	t.Parallel()
	m := components.MotoT(t)
	api := logsClient(t, m)
	ctx := context.Background()
	const group = "/gangway/test/app"
	if _, err := api.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	put(t, api, group, "i-1/gangway-blue/abc", now.Add(-2*time.Hour), "too old")
	put(t, api, group, "i-1/gangway-blue/abc", now.Add(-3*time.Minute), "a1", "a2")
	put(t, api, group, "i-2/gangway-green/def", now.Add(-2*time.Minute), "b1 ERROR", "b2")

	r := Reader{API: api, Group: group}
	got, cut, err := r.Read(ctx, now.Add(-10*time.Minute), now, 0)
	if err != nil || cut || messages(got) != "a1,a2,b1 ERROR,b2" {
		t.Errorf("Read = %q, cut %v, %v; want a1,a2,b1 ERROR,b2 in time order", messages(got), cut, err)
	}
	if len(got) > 0 && (got[0].Stream != "i-1/gangway-blue/abc" || !strings.HasSuffix(got[0].String(), " i-1/gangway-blue/abc a1")) {
		t.Errorf("first line %q", got[0])
	}
	if got, cut, err := r.Read(ctx, now.Add(-10*time.Minute), now, 2); err != nil || !cut || messages(got) != "b1 ERROR,b2" {
		t.Errorf("Read with limit 2 = %q, cut %v, %v; want the last two, cut", messages(got), cut, err)
	}
	r.Filter = "ERROR"
	if got, _, err := r.Read(ctx, now.Add(-10*time.Minute), now, 0); err != nil || messages(got) != "b1 ERROR" {
		t.Errorf("Read filtered = %q, %v", messages(got), err)
	}
	_, _, err = Reader{API: api, Group: "/gangway/prod/app"}.Read(ctx, now.Add(-time.Minute), now, 0)
	if !errors.Is(err, ErrNoLogGroup) || !strings.Contains(err.Error(), "never applied") {
		t.Errorf("missing group: %v, want ErrNoLogGroup saying what to do", err)
	}
}

// Follow shows what is there, then each new line once, until cancelled.
func TestFollowShowsEachLineOnce(t *testing.T) {
	t.Parallel()
	m := components.MotoT(t)
	api := logsClient(t, m)
	const group = "/gangway/test/app"
	if _, err := api.CreateLogGroup(context.Background(), &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-time.Minute)
	put(t, api, group, "i-1/gangway-blue/abc", start.Add(10*time.Second), "before")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var mu sync.Mutex
	var seen []string
	done := make(chan error, 1)
	go func() {
		done <- Reader{API: api, Group: group}.Follow(ctx, start, 100*time.Millisecond, func(e Event) error {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, e.Message)
			if e.Message == "after" {
				cancel()
			}
			return nil
		})
	}()
	time.Sleep(500 * time.Millisecond) // several reads of the same line
	put(t, api, group, "i-2/gangway-green/def", time.Now(), "after")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(seen, ",") != "before,after" {
		t.Errorf("Follow emitted %q, want before,after, each once", seen)
	}
}
