// Package applogs reads the service's container logs from the
// environment's CloudWatch Logs group, where each host's Docker (the
// awslogs driver, set up by the hosts' user data) writes one stream per
// instance and container, named INSTANCE/CONTAINER/ID.
package applogs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// API is the part of CloudWatch Logs a Reader calls.
type API interface {
	FilterLogEvents(context.Context, *cloudwatchlogs.FilterLogEventsInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error)
}

// Event is one log line.
type Event struct {
	Time    time.Time `json:"time"`
	Stream  string    `json:"stream"`
	Message string    `json:"message"`
	id      string
}

// String is the line as `pipeline logs` prints it.
func (e Event) String() string {
	return fmt.Sprintf("%s %s %s", e.Time.UTC().Format("2006-01-02T15:04:05.000Z"), e.Stream, e.Message)
}

// ErrNoLogGroup means the group does not exist.
var ErrNoLogGroup = errors.New("no such log group")

// Reader reads one group.
type Reader struct {
	API   API
	Group string
	// Filter is a CloudWatch Logs filter pattern ("" for every line).
	Filter string
}

// Read returns the events from since up to until, oldest first: the last
// limit of them (0 for all), and whether older ones were left out.
func (r Reader) Read(ctx context.Context, since, until time.Time, limit int) ([]Event, bool, error) {
	in := &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName: aws.String(r.Group),
		StartTime:    aws.Int64(since.UnixMilli()),
		EndTime:      aws.Int64(until.UnixMilli()),
	}
	if r.Filter != "" {
		in.FilterPattern = aws.String(r.Filter)
	}
	var events []Event
	for p := cloudwatchlogs.NewFilterLogEventsPaginator(r.API, in); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			var nf *cwtypes.ResourceNotFoundException
			if errors.As(err, &nf) {
				return nil, false, fmt.Errorf("%w %s: the environment was never applied, or its logs are in another region (--region): %w", ErrNoLogGroup, r.Group, err)
			}
			return nil, false, fmt.Errorf("reading log group %s: %w", r.Group, err)
		}
		for _, e := range page.Events {
			events = append(events, Event{
				Time:    time.UnixMilli(aws.ToInt64(e.Timestamp)),
				Stream:  aws.ToString(e.LogStreamName),
				Message: aws.ToString(e.Message),
				id:      aws.ToString(e.EventId),
			})
		}
	}
	// Streams interleave: order the lines by time, streams apart.
	slices.SortStableFunc(events, func(a, b Event) int { return a.Time.Compare(b.Time) })
	cut := limit > 0 && len(events) > limit
	if cut {
		events = events[len(events)-limit:]
	}
	return events, cut, nil
}

// Follow calls emit for every event from since on, oldest first, reading
// again every interval until ctx ends (then it returns nil). An event is
// emitted once, also when it is read again at the boundary of two reads.
// Each read starts at the newest time emitted, so a line that reaches
// CloudWatch later than a newer one from another stream is not shown.
func (r Reader) Follow(ctx context.Context, since time.Time, interval time.Duration, emit func(Event) error) error {
	seen := map[string]bool{} // ids of the events at the newest time emitted
	for {
		now := time.Now()
		events, _, err := r.Read(ctx, since, now, 0)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		for _, e := range events {
			if seen[e.id] {
				continue
			}
			if err := emit(e); err != nil {
				return err
			}
			if e.Time.After(since) {
				since, seen = e.Time, map[string]bool{}
			}
			seen[e.id] = true
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}
