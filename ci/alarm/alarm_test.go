package alarm_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/gangway-dev/gangway/ci/alarm"
	"github.com/gangway-dev/gangway/internal/components"
)

// Against moto: a missing alarm fails at the start; an alarm that goes
// into ALARM during the rollout fails the check, and one back to OK
// passes it.
func TestWatchFiresOnAlarmDuringTheRollout(t *testing.T) {
	t.Parallel()
	components.SkipShort(t, "moto_server")
	m := components.MotoT(t)
	ctx := context.Background()
	api := cloudwatch.NewFromConfig(m.AWSConfig())
	if _, err := alarm.Start(ctx, api, "gangway-test-5xx"); err == nil {
		t.Fatal("Start accepted an alarm that does not exist")
	}
	if _, err := api.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String("gangway-test-5xx"), Namespace: aws.String("AWS/ApplicationELB"), MetricName: aws.String("HTTPCode_Target_5XX_Count"),
		Statistic: cwtypes.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(5),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold,
	}); err != nil {
		t.Fatal(err)
	}
	w, err := alarm.Start(ctx, api, "gangway-test-5xx")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Check(ctx); err != nil {
		t.Errorf("Check of an alarm that does not fire: %v", err)
	}
	set := func(state cwtypes.StateValue) {
		t.Helper()
		if _, err := api.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("gangway-test-5xx"), StateValue: state, StateReason: aws.String("5 5xx in a minute")}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(10 * time.Millisecond)
	set(cwtypes.StateValueAlarm)
	if err := w.Check(ctx); !errors.Is(err, alarm.ErrFiring) {
		t.Errorf("Check after the alarm fired: %v, want ErrFiring", err)
	}
	// An alarm already firing when the rollout starts is the old release's.
	later, err := alarm.Start(ctx, api, "gangway-test-5xx")
	if err != nil {
		t.Fatal(err)
	}
	if err := later.Check(ctx); err != nil {
		t.Errorf("Check of an alarm that fired before the watch: %v", err)
	}
	set(cwtypes.StateValueOk)
	if err := w.Check(ctx); err != nil {
		t.Errorf("Check after the alarm went back to OK: %v", err)
	}
	// Firing again after the later watch started: that one sees it now.
	time.Sleep(10 * time.Millisecond)
	set(cwtypes.StateValueAlarm)
	if err := later.Check(ctx); !errors.Is(err, alarm.ErrFiring) {
		t.Errorf("Check of an alarm that fired again during the rollout: %v, want ErrFiring", err)
	}
}

// unreadable is a CloudWatch that fails every read after the first.
type unreadable struct{ calls int }

func (u *unreadable) DescribeAlarms(context.Context, *cloudwatch.DescribeAlarmsInput, ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	if u.calls++; u.calls > 1 {
		return nil, errors.New("throttled")
	}
	return &cloudwatch.DescribeAlarmsOutput{MetricAlarms: []cwtypes.MetricAlarm{{AlarmName: aws.String("a"), StateValue: cwtypes.StateValueOk}}}, nil
}

// A read that fails during the rollout does not roll back a healthy
// fleet: the check passes and says why.
func TestWatchPassesAFailedReadAndSaysSo(t *testing.T) {
	t.Parallel()
	w, err := alarm.Start(context.Background(), &unreadable{}, "a")
	if err != nil {
		t.Fatal(err)
	}
	var warned []string
	w.Warn = func(msg string, _ ...any) { warned = append(warned, msg) }
	if err := w.Check(context.Background()); err != nil || len(warned) != 1 {
		t.Errorf("Check with CloudWatch failing: %v, warnings %q; want nil and one warning", err, warned)
	}
}
