package localworld

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

const ec2Version, autoscalingVersion = "2016-11-15", "2011-01-01"

// query calls one action of moto's query API (EC2, Auto Scaling) and
// returns the XML answer; a status other than 200 fails the test.
func query(t *testing.T, m *Moto, version, action string, params map[string]string) string {
	t.Helper()
	form := url.Values{"Action": {action}, "Version": {version}}
	for k, v := range params {
		form.Set(k, v)
	}
	req, err := http.NewRequest(http.MethodPost, m.Endpoint+"/", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// moto routes by the credential scope's service; it checks no signature.
	service := map[string]string{ec2Version: "ec2", autoscalingVersion: "autoscaling"}[version]
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20261202/us-east-1/"+service+"/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d: %s", action, resp.StatusCode, body)
	}
	return string(body)
}

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
	m := MotoT(t)
	const ec2, autoscaling = ec2Version, autoscalingVersion
	vpc := first(t, `<vpcId>([^<]+)</vpcId>`, query(t, m, ec2, "CreateVpc", map[string]string{"CidrBlock": "10.0.0.0/16"}))
	group := func(name string) string {
		return first(t, `<groupId>([^<]+)</groupId>`, query(t, m, ec2, "CreateSecurityGroup",
			map[string]string{"GroupName": name, "GroupDescription": name, "VpcId": vpc}))
	}
	app, alb := group("app"), group("alb")
	query(t, m, ec2, "AuthorizeSecurityGroupIngress", map[string]string{
		"GroupId": app, "IpPermissions.1.IpProtocol": "tcp", "IpPermissions.1.FromPort": "8080", "IpPermissions.1.ToPort": "8080",
		"IpPermissions.1.Groups.1.GroupId": alb, "IpPermissions.1.Groups.1.Description": "app port from the load balancer",
	})
	query(t, m, ec2, "AuthorizeSecurityGroupEgress", map[string]string{
		"GroupId": app, "IpPermissions.1.IpProtocol": "tcp", "IpPermissions.1.FromPort": "443", "IpPermissions.1.ToPort": "443",
		"IpPermissions.1.PrefixListIds.1.PrefixListId": "pl-63a5400a", "IpPermissions.1.PrefixListIds.1.Description": "HTTPS to S3",
	})
	rules := query(t, m, ec2, "DescribeSecurityGroupRules", map[string]string{"Filter.1.Name": "group-id", "Filter.1.Value.1": app})
	for _, want := range []string{"app port from the load balancer", "HTTPS to S3"} {
		if !strings.Contains(rules, "<description>"+want+"</description>") {
			t.Errorf("DescribeSecurityGroupRules lost the description %q:\n%s", want, rules)
		}
	}

	query(t, m, ec2, "CreateLaunchTemplate", map[string]string{
		"LaunchTemplateName": "hosts", "LaunchTemplateData.ImageId": "ami-12c6146b",
		"LaunchTemplateData.TagSpecification.1.ResourceType": "volume",
		"LaunchTemplateData.TagSpecification.1.Tag.1.Key":    "App", "LaunchTemplateData.TagSpecification.1.Tag.1.Value": "gangway",
		"TagSpecification.1.ResourceType": "launch-template",
		"TagSpecification.1.Tag.1.Key":    "App", "TagSpecification.1.Tag.1.Value": "gangway",
	})
	versions := query(t, m, ec2, "DescribeLaunchTemplateVersions", map[string]string{"LaunchTemplateName": "hosts"})
	if strings.Contains(versions, "<resourceType>launch-template</resourceType>") || !strings.Contains(versions, "<resourceType>volume</resourceType>") {
		t.Errorf("the version's data should tag what it launches (volume), not the template:\n%s", versions)
	}

	query(t, m, autoscaling, "CreateAutoScalingGroup", map[string]string{
		"AutoScalingGroupName": "gangway-test", "LaunchTemplate.LaunchTemplateName": "hosts",
		"MinSize": "0", "MaxSize": "0", "AvailabilityZones.member.1": "us-east-1a",
	})
	id := first(t, `<InstanceRefreshId>([^<]+)</InstanceRefreshId>`,
		query(t, m, autoscaling, "StartInstanceRefresh", map[string]string{"AutoScalingGroupName": "gangway-test"}))
	refreshes := query(t, m, autoscaling, "DescribeInstanceRefreshes", map[string]string{"AutoScalingGroupName": "gangway-test"})
	if !strings.Contains(refreshes, id) || !strings.Contains(refreshes, "<Status>Successful</Status>") {
		t.Errorf("DescribeInstanceRefreshes does not report refresh %s Successful:\n%s", id, refreshes)
	}
}
