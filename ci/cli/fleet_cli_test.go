package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/gangway-dev/gangway/ci/ssmrun"
	"github.com/gangway-dev/gangway/internal/components"
)

// motoGroups makes Auto Scaling groups over one launch template in m, as
// terraform does, and returns each group's instance ids.
func motoGroups(t *testing.T, m *components.Moto, sizes map[string]int32) map[string][]string {
	t.Helper()
	ctx := context.Background()
	cfg := m.AWSConfig()
	ec2API, api := ec2.NewFromConfig(cfg), autoscaling.NewFromConfig(cfg)
	images, err := ec2API.DescribeImages(ctx, &ec2.DescribeImagesInput{})
	if err != nil || len(images.Images) == 0 {
		t.Fatalf("moto lists no AMI (%v)", err)
	}
	if _, err := ec2API.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String("gangway"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: images.Images[0].ImageId, InstanceType: ec2types.InstanceTypeT3Micro},
	}); err != nil {
		t.Fatal(err)
	}
	ids := map[string][]string{}
	for name, n := range sizes {
		if _, err := api.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{
			AutoScalingGroupName: aws.String(name), MinSize: aws.Int32(0), MaxSize: aws.Int32(8), DesiredCapacity: aws.Int32(n),
			AvailabilityZones: []string{"us-east-1a", "us-east-1b"},
			LaunchTemplate:    &astypes.LaunchTemplateSpecification{LaunchTemplateName: aws.String("gangway"), Version: aws.String("$Latest")},
		}); err != nil {
			t.Fatal(err)
		}
		out, err := api.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range out.AutoScalingGroups[0].Instances {
			ids[name] = append(ids[name], aws.ToString(in.InstanceId))
		}
	}
	return ids
}

// With --asg the rollout targets the group's InService hosts, half of
// them a batch, and reports each host's outcome, a host already on the
// digest as unchanged; an empty group is refused before anything is
// recorded or sent.
func TestRolloutTargetsTheGroup(t *testing.T) {
	t.Parallel()
	m := components.MotoT(t)
	ctx := context.Background()
	api := releaseWorld(t, m)
	groups := motoGroups(t, m, map[string]int32{"gangway-test": 4, "gangway-empty": 0})
	hosts := groups["gangway-test"]
	slices.Sort(hosts) // the order of the report
	if len(hosts) != 4 {
		t.Fatalf("the group has %d instances, want 4", len(hosts))
	}
	image := "123456789012.dkr.ecr.us-east-1.amazonaws.com/gangway-test@sha256:" + hex64
	line := func(status string) string {
		return `GANGWAY_RESULT {"status":"` + status + `","mode":"deploy","image":"` + image + `","slot":"green","message":"m"}`
	}
	// The fleet SSM knows: the group's hosts, one already on the digest,
	// and a tagged instance outside the group that must not be touched.
	state := map[string]string{"i-0outside": line("deployed")}
	for i, id := range hosts {
		state[id] = line("deployed")
		if i == 0 {
			state[id] = line("unchanged")
		}
	}
	shim, sent := ssmShim(t, m.Endpoint, state)
	env := motoEnv(t, m)
	env["AWS_ENDPOINT_URL"] = shim
	args := func(group string, more ...string) []string {
		return append([]string{"rollout", "--env", "test", "--image", image, "--asg", group,
			"--image-parameter", imageParam, "--rollout-script-parameter", scriptParam}, more...)
	}

	code, stdout, stderr := run(t, env, args("gangway-empty")...)
	if code != ExitFailure || stdout != "" || !strings.Contains(stderr, "gangway-empty has no instance at all") ||
		!strings.Contains(stderr, "nothing was recorded and no host was touched") {
		t.Errorf("rollout to an empty group: exit %d, stdout %q, stderr %q; want a refusal naming the group", code, stdout, stderr)
	}
	if len(sent()) != 0 {
		t.Errorf("commands were sent for an empty group")
	}
	if got, err := api.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(imageParam)}); err != nil || aws.ToString(got.Parameter.Value) != "none" {
		t.Errorf("image parameter after the refused rollout is not none (%v)", err)
	}

	// A 5xx alarm to watch that does not exist stops the rollout first.
	code, _, stderr = run(t, env, args("gangway-test", "--alarm", "gangway-test-5xx")...)
	if code != ExitFailure || !strings.Contains(stderr, "the alarm gangway-test-5xx does not exist") ||
		!strings.Contains(stderr, "nothing was recorded and no host was touched") || len(sent()) != 0 {
		t.Errorf("rollout watching a missing alarm: exit %d, %d commands, stderr %q; want a refusal before anything", code, len(sent()), stderr)
	}
	if _, err := cloudwatch.NewFromConfig(m.AWSConfig()).PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String("gangway-test-5xx"), Namespace: aws.String("AWS/ApplicationELB"), MetricName: aws.String("HTTPCode_Target_5XX_Count"),
		Statistic: cwtypes.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(5),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold,
	}); err != nil {
		t.Fatal(err)
	}

	code, _, stderr = run(t, env, args("gangway-test", "--instance-id", hosts[0])...)
	if code != ExitUsage || !strings.Contains(stderr, "give one") {
		t.Errorf("--asg with --instance-id: exit %d, stderr %q; want a usage error", code, stderr)
	}

	// The alarm exists, already firing when the rollout starts (the old
	// release's): the rollout checks it after each batch, says it cannot
	// judge it, and goes on.
	if _, err := cloudwatch.NewFromConfig(m.AWSConfig()).SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{
		AlarmName: aws.String("gangway-test-5xx"), StateValue: cwtypes.StateValueAlarm, StateReason: aws.String("before the rollout"),
	}); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = run(t, env, args("gangway-test", "--alarm", "gangway-test-5xx")...)
	if !strings.Contains(stderr, "already firing when the rollout started") {
		t.Errorf("the rollout did not check the alarm after its batches: stderr %q", stderr)
	}
	if code != ExitOK {
		t.Fatalf("rollout to the group: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	var rep ssmrun.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range rep.Hosts {
		got = append(got, h.InstanceID+"="+h.Outcome)
	}
	want := fmt.Sprintf("%s=unchanged %s=deployed %s=deployed %s=deployed", hosts[0], hosts[1], hosts[2], hosts[3])
	if rep.Status != "deployed" || strings.Join(got, " ") != want {
		t.Errorf("report %q with hosts %s; want deployed with %s", rep.Status, strings.Join(got, " "), want)
	}
	if n := len(sent()); n != 2 {
		t.Errorf("%d commands sent to 4 hosts, want 2 batches of 2", n)
	}
	if !strings.Contains(stderr, `size=2`) {
		t.Errorf("stderr does not log batches of 2: %s", stderr)
	}
}
