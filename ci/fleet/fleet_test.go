package fleet

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/gangway-dev/gangway/internal/components"
)

func TestDescribeInput(t *testing.T) {
	t.Parallel()
	in := describeInput("gangway-test")
	if got := in.AutoScalingGroupNames; len(got) != 1 || got[0] != "gangway-test" {
		t.Errorf("AutoScalingGroupNames = %q, want [gangway-test]", got)
	}
}

// Against moto: a group over a launch template, as terraform makes it;
// its InService instances are the targets, a host in Standby is not, and
// an empty group or a missing one is refused, saying so.
func TestInServiceMoto(t *testing.T) {
	m := components.MotoT(t)
	ctx := context.Background()
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", ""), BaseEndpoint: aws.String(m.Endpoint)}
	ec2API, api := ec2.NewFromConfig(cfg), autoscaling.NewFromConfig(cfg)
	images, err := ec2API.DescribeImages(ctx, &ec2.DescribeImagesInput{})
	if err != nil || len(images.Images) == 0 {
		t.Fatalf("moto lists no AMI (%v)", err)
	}
	if _, err := ec2API.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String("gangway-test"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: images.Images[0].ImageId, InstanceType: ec2types.InstanceTypeT3Micro},
	}); err != nil {
		t.Fatal(err)
	}
	group := func(name string, n int32) {
		t.Helper()
		if _, err := api.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{
			AutoScalingGroupName: aws.String(name), MinSize: aws.Int32(0), MaxSize: aws.Int32(8), DesiredCapacity: aws.Int32(n),
			AvailabilityZones: []string{"us-east-1a", "us-east-1b"},
			LaunchTemplate:    &astypes.LaunchTemplateSpecification{LaunchTemplateName: aws.String("gangway-test"), Version: aws.String("$Latest")},
		}); err != nil {
			t.Fatal(err)
		}
	}
	group("gangway-test", 4)
	group("gangway-empty", 0)

	ids, err := InService(ctx, api, "gangway-test")
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 4 {
		t.Fatalf("InService = %q, want the group's 4 instances", ids)
	}
	for i, id := range ids {
		if !strings.HasPrefix(id, "i-") || (i > 0 && ids[i-1] >= id) {
			t.Errorf("InService = %q, want sorted instance ids", ids)
		}
	}
	// A host in Standby is not InService: not a target.
	if _, err := api.EnterStandby(ctx, &autoscaling.EnterStandbyInput{
		AutoScalingGroupName: aws.String("gangway-test"), InstanceIds: []string{ids[0]}, ShouldDecrementDesiredCapacity: aws.Bool(true),
	}); err != nil {
		t.Fatal(err)
	}
	after, err := InService(ctx, api, "gangway-test")
	if err != nil || len(after) != 3 || after[0] == ids[0] {
		t.Errorf("InService after %s entered Standby = %q, %v; want the 3 others", ids[0], after, err)
	}

	_, err = InService(ctx, api, "gangway-empty")
	if !errors.Is(err, ErrNoHosts) || !strings.Contains(err.Error(), "gangway-empty has no instance at all") {
		t.Errorf("InService(empty group) = %v, want ErrNoHosts naming the group", err)
	}
	_, err = InService(ctx, api, "gangway-prod")
	if !errors.Is(err, ErrNoGroup) || !strings.Contains(err.Error(), "gangway-prod") {
		t.Errorf("InService(missing group) = %v, want ErrNoGroup naming it", err)
	}
}
