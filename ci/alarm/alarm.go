// Package alarm watches a CloudWatch alarm during a rollout: the load
// balancer's 5xx alarm (terraform output alarm_5xx_name) going into ALARM
// after the rollout started fails the batch that was just rolled, as a
// failed host does.
//
// The alarm's period is a minute and the load balancer's metrics arrive a
// minute or two late, so a check right after a batch mostly sees what
// earlier batches did; each host's bake is the first gate.
package alarm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// API is the part of the CloudWatch client a Watch uses.
type API interface {
	DescribeAlarms(ctx context.Context, in *cloudwatch.DescribeAlarmsInput, opts ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error)
}

var _ API = (*cloudwatch.Client)(nil)

// ErrFiring is returned by Check when the alarm went into ALARM after the
// watch started.
var ErrFiring = errors.New("alarm firing")

// Watch is one alarm watched from the state CloudWatch reported at Start.
// It compares CloudWatch's own timestamps, never this machine's clock.
type Watch struct {
	api   API
	name  string
	start state
	// Warn, when set, hears what the watch cannot judge: an alarm already
	// firing at the start, or a read that failed (the check then passes:
	// the hosts' bakes gate the rollout; a lost read must not roll back a
	// healthy fleet).
	Warn func(msg string, args ...any)
}

// state is what a check compares.
type state struct {
	value   cwtypes.StateValue
	changed time.Time // when it last went into value, by CloudWatch's clock
	reason  string
}

// Start returns a Watch of the alarm name, after reading its state, so
// that a wrong name fails before any host changes.
func Start(ctx context.Context, api API, name string) (*Watch, error) {
	w := &Watch{api: api, name: name}
	s, err := w.read(ctx)
	if err != nil {
		return nil, err
	}
	w.start = s
	return w, nil
}

func (w *Watch) read(ctx context.Context) (state, error) {
	out, err := w.api.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{w.name}})
	if err != nil {
		return state{}, fmt.Errorf("reading the alarm %s: %w", w.name, err)
	}
	if len(out.MetricAlarms) != 1 {
		return state{}, fmt.Errorf("the alarm %s does not exist in this account and region (the terraform output alarm_5xx_name names it)", w.name)
	}
	a := out.MetricAlarms[0]
	// The transition time, not the update time: an update without a change
	// of state (a new evaluation) is no transition.
	changed := aws.ToTime(a.StateTransitionedTimestamp)
	if changed.IsZero() {
		changed = aws.ToTime(a.StateUpdatedTimestamp)
	}
	return state{value: a.StateValue, changed: changed, reason: aws.ToString(a.StateReason)}, nil
}

// Check returns an error wrapping ErrFiring when the alarm is in ALARM and
// got there after Start: it was not firing then, or it has transitioned
// since. Anything else, a failed read included, returns nil.
func (w *Watch) Check(ctx context.Context) error {
	s, err := w.read(ctx)
	if err != nil {
		w.warn("the alarm could not be read; the rollout goes on, gated by the hosts' bakes", "alarm", w.name, "error", err)
		return nil
	}
	if s.value != cwtypes.StateValueAlarm {
		return nil
	}
	if w.start.value == cwtypes.StateValueAlarm && !s.changed.After(w.start.changed) {
		w.warn("the alarm was already firing when the rollout started: it cannot tell this rollout's failures", "alarm", w.name)
		return nil
	}
	return fmt.Errorf("%w: %s went into ALARM at %s, during the rollout: %s", ErrFiring, w.name, s.changed.UTC().Format(time.RFC3339), s.reason)
}

func (w *Watch) warn(msg string, args ...any) {
	if w.Warn != nil {
		w.Warn(msg, args...)
	}
}
