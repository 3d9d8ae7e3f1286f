// Package alarm watches a CloudWatch alarm during a rollout: the load
// balancer's 5xx alarm (terraform output alarm_5xx_name) going into ALARM
// after the rollout started fails the batch that was just rolled, as a
// failed host does.
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

// Watch is one alarm watched from a moment on.
type Watch struct {
	API  API
	Name string
	// Since is when the rollout started: an alarm already in ALARM then,
	// which has not changed state since, is the old release's and does
	// not count.
	Since time.Time
}

// Start returns a Watch of the alarm name from now, after checking that
// the alarm exists, so that a wrong name fails before any host changes.
func Start(ctx context.Context, api API, name string) (*Watch, error) {
	w := &Watch{API: api, Name: name, Since: time.Now()}
	if _, err := w.state(ctx); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *Watch) state(ctx context.Context) (cwtypes.MetricAlarm, error) {
	out, err := w.API.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{w.Name}})
	if err != nil {
		return cwtypes.MetricAlarm{}, fmt.Errorf("reading the alarm %s: %w", w.Name, err)
	}
	if len(out.MetricAlarms) != 1 {
		return cwtypes.MetricAlarm{}, fmt.Errorf("the alarm %s does not exist in this account and region (the terraform output alarm_5xx_name names it): check --alarm and --region", w.Name)
	}
	return out.MetricAlarms[0], nil
}

// Check returns an error wrapping ErrFiring when the alarm is in ALARM and
// went there after Since, and nil otherwise.
func (w *Watch) Check(ctx context.Context) error {
	a, err := w.state(ctx)
	if err != nil {
		return err
	}
	if a.StateValue != cwtypes.StateValueAlarm || !aws.ToTime(a.StateUpdatedTimestamp).After(w.Since) {
		return nil
	}
	return fmt.Errorf("%w: %s went into ALARM at %s, during the rollout: %s", ErrFiring, w.Name,
		aws.ToTime(a.StateUpdatedTimestamp).UTC().Format(time.RFC3339), aws.ToString(a.StateReason))
}
