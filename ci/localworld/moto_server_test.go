package localworld_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gangway-dev/gangway/internal/components"
)

func first(t *testing.T, pattern, xml string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(xml)
	if m == nil {
		t.Fatalf("no %s in %s", pattern, xml)
	}
	return m[1]
}

// The local world's moto answers as AWS does where the pipeline's Terraform
// depends on it (moto_server.py); plain moto_server 5.2.1 fails each part.
func TestMotoAnswersAsAWSDoes(t *testing.T) {
	t.Parallel()
	m := components.MotoT(t)
	const ec2, autoscaling = "2016-11-15", "2011-01-01"
	vpc := first(t, `<vpcId>([^<]+)</vpcId>`, unchecked(t, m, "ec2", ec2, "CreateVpc", map[string]string{"CidrBlock": "10.0.0.0/16"}))
	group := func(name string) string {
		return first(t, `<groupId>([^<]+)</groupId>`, unchecked(t, m, "ec2", ec2, "CreateSecurityGroup",
			map[string]string{"GroupName": name, "GroupDescription": name, "VpcId": vpc}))
	}
	app, alb := group("app"), group("alb")
	unchecked(t, m, "ec2", ec2, "AuthorizeSecurityGroupIngress", map[string]string{
		"GroupId": app, "IpPermissions.1.IpProtocol": "tcp", "IpPermissions.1.FromPort": "8080", "IpPermissions.1.ToPort": "8080",
		"IpPermissions.1.Groups.1.GroupId": alb, "IpPermissions.1.Groups.1.Description": "app port from the load balancer",
	})
	unchecked(t, m, "ec2", ec2, "AuthorizeSecurityGroupEgress", map[string]string{
		"GroupId": app, "IpPermissions.1.IpProtocol": "tcp", "IpPermissions.1.FromPort": "443", "IpPermissions.1.ToPort": "443",
		"IpPermissions.1.PrefixListIds.1.PrefixListId": "pl-63a5400a", "IpPermissions.1.PrefixListIds.1.Description": "HTTPS to S3",
	})
	rules := unchecked(t, m, "ec2", ec2, "DescribeSecurityGroupRules", map[string]string{"Filter.1.Name": "group-id", "Filter.1.Value.1": app})
	for _, want := range []string{"app port from the load balancer", "HTTPS to S3"} {
		if !strings.Contains(rules, "<description>"+want+"</description>") {
			t.Errorf("DescribeSecurityGroupRules lost the description %q:\n%s", want, rules)
		}
	}

	unchecked(t, m, "ec2", ec2, "CreateLaunchTemplate", map[string]string{
		"LaunchTemplateName": "hosts", "LaunchTemplateData.ImageId": "ami-12c6146b",
		"LaunchTemplateData.TagSpecification.1.ResourceType": "volume",
		"LaunchTemplateData.TagSpecification.1.Tag.1.Key":    "App", "LaunchTemplateData.TagSpecification.1.Tag.1.Value": "gangway",
		"TagSpecification.1.ResourceType": "launch-template",
		"TagSpecification.1.Tag.1.Key":    "App", "TagSpecification.1.Tag.1.Value": "gangway",
	})
	versions := unchecked(t, m, "ec2", ec2, "DescribeLaunchTemplateVersions", map[string]string{"LaunchTemplateName": "hosts"})
	if strings.Contains(versions, "<resourceType>launch-template</resourceType>") || !strings.Contains(versions, "<resourceType>volume</resourceType>") {
		t.Errorf("the version's data should tag what it launches (volume), not the template:\n%s", versions)
	}

	unchecked(t, m, "autoscaling", autoscaling, "CreateAutoScalingGroup", map[string]string{
		"AutoScalingGroupName": "gangway-test", "LaunchTemplate.LaunchTemplateName": "hosts",
		"MinSize": "0", "MaxSize": "0", "AvailabilityZones.member.1": "us-east-1a",
	})
	id := first(t, `<InstanceRefreshId>([^<]+)</InstanceRefreshId>`,
		unchecked(t, m, "autoscaling", autoscaling, "StartInstanceRefresh", map[string]string{"AutoScalingGroupName": "gangway-test"}))
	refreshes := unchecked(t, m, "autoscaling", autoscaling, "DescribeInstanceRefreshes", map[string]string{"AutoScalingGroupName": "gangway-test"})
	if !strings.Contains(refreshes, id) || !strings.Contains(refreshes, "<Status>Successful</Status>") {
		t.Errorf("DescribeInstanceRefreshes does not report refresh %s Successful:\n%s", id, refreshes)
	}
}
