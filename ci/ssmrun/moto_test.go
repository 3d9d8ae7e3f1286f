package ssmrun

// The happy path against moto_server. moto 5.2.1 implements SendCommand,
// GetCommandInvocation and ListCommands (and reports Success without running
// anything), but not DescribeInstanceInformation: it answers 500. A thin
// shim in front of moto answers that one call from moto's own EC2 instances
// (running = Online, anything else = ConnectionLost, as SSM reports a
// stopped instance) and forwards every other request to moto unchanged.

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/gangway-dev/gangway/internal/components"
)

// ec2Call makes one EC2 Query API call against moto and decodes the XML.
func ec2Call(t *testing.T, endpoint string, form url.Values, out any) {
	t.Helper()
	form.Set("Version", "2016-11-15")
	req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("EC2 %s: %v", form.Get("Action"), err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("EC2 %s: %s: %s", form.Get("Action"), resp.Status, body)
	}
	if out != nil {
		if err := xml.Unmarshal(body, out); err != nil {
			t.Fatalf("decoding EC2 %s: %v", form.Get("Action"), err)
		}
	}
}

type ec2Instances struct {
	Instances []struct {
		ID    string `xml:"instanceId"`
		State string `xml:"instanceState>name"`
	} `xml:"reservationSet>item>instancesSet>item"`
}

type runInstances struct {
	Instances []struct {
		ID string `xml:"instanceId"`
	} `xml:"instancesSet>item"`
}

func launch(t *testing.T, endpoint string, n int, tags map[string]string) []string {
	t.Helper()
	var images struct {
		IDs []string `xml:"imagesSet>item>imageId"`
	}
	ec2Call(t, endpoint, url.Values{"Action": {"DescribeImages"}}, &images)
	if len(images.IDs) == 0 {
		t.Fatal("moto has no AMI to launch")
	}
	form := url.Values{"Action": {"RunInstances"}, "ImageId": {images.IDs[0]}, "MinCount": {fmt.Sprint(n)}, "MaxCount": {fmt.Sprint(n)},
		"InstanceType": {"t3.micro"}, "TagSpecification.1.ResourceType": {"instance"}}
	i := 1
	for k, v := range tags {
		form.Set(fmt.Sprintf("TagSpecification.1.Tag.%d.Key", i), k)
		form.Set(fmt.Sprintf("TagSpecification.1.Tag.%d.Value", i), v)
		i++
	}
	var out runInstances
	ec2Call(t, endpoint, form, &out)
	var ids []string
	for _, in := range out.Instances {
		ids = append(ids, in.ID)
	}
	sort.Strings(ids)
	return ids
}

// motoWithInstanceInformation starts the shim in front of moto.
func motoWithInstanceInformation(t *testing.T, moto string) string {
	t.Helper()
	target, _ := url.Parse(moto)
	proxy := httputil.NewSingleHostReverseProxy(target)
	shim := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") != "AmazonSSM.DescribeInstanceInformation" {
			proxy.ServeHTTP(w, r)
			return
		}
		var in struct {
			Filters []struct {
				Key    string
				Values []string
			}
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		form := url.Values{"Action": {"DescribeInstances"}}
		for i, f := range in.Filters {
			name := f.Key
			if name == "InstanceIds" {
				name = "instance-id"
			}
			form.Set(fmt.Sprintf("Filter.%d.Name", i+1), name)
			for j, v := range f.Values {
				form.Set(fmt.Sprintf("Filter.%d.Value.%d", i+1, j+1), v)
			}
		}
		var out ec2Instances
		ec2Call(t, moto, form, &out)
		list := []map[string]string{}
		for _, in := range out.Instances {
			ping := "ConnectionLost"
			if in.State == "running" {
				ping = "Online"
			}
			list = append(list, map[string]string{"InstanceId": in.ID, "PingStatus": ping, "PlatformType": "Linux", "ResourceType": "EC2Instance"})
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(map[string]any{"InstanceInformationList": list})
	}))
	t.Cleanup(shim.Close)
	return shim.URL
}

func TestMotoHappyPath(t *testing.T) {
	t.Parallel()
	m := components.MotoT(t)
	testIDs := launch(t, m.Endpoint, 2, map[string]string{"Environment": "test", "App": "gangway"})
	launch(t, m.Endpoint, 1, map[string]string{"Environment": "prod", "App": "gangway"})

	client := ssm.New(ssm.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(motoWithInstanceInformation(t, m.Endpoint)),
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
	})
	r, err := New(client, withPolling(10*time.Millisecond, 50*time.Millisecond), WithExecutionTimeout(900*time.Second), WithComment("gangway moto test"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	targets := Targets{Tags: map[string]string{"Environment": "test", "App": "gangway"}}

	instances, err := r.Preflight(ctx, targets)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range instances {
		got = append(got, in.ID)
	}
	if strings.Join(got, ",") != strings.Join(testIDs, ",") {
		t.Fatalf("pre-flight found %v, want the test instances %v", got, testIDs)
	}

	script := "#!/usr/bin/env bash\necho rollout\n"
	cmdID, invs, err := r.Invoke(ctx, got, script)
	if err != nil {
		t.Fatal(err)
	}
	if len(invs) != 2 {
		t.Fatalf("invocations = %+v, want 2", invs)
	}
	for _, inv := range invs {
		if inv.Status != "Success" {
			t.Errorf("%s: status %s, want Success", inv.InstanceID, inv.Status)
		}
	}
	// moto keeps the command as sent: check what reached the API.
	cmds, err := client.ListCommands(ctx, &ssm.ListCommandsInput{CommandId: aws.String(cmdID)})
	if err != nil || len(cmds.Commands) != 1 {
		t.Fatalf("ListCommands: %v, %+v", err, cmds)
	}
	c := cmds.Commands[0]
	if got, want := c.Parameters["executionTimeout"], []string{"900"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("executionTimeout = %v, want %v", got, want)
	}
	if got := c.Parameters["commands"]; len(got) != 1 || !strings.HasPrefix(got[0], "bash -s <<'GANGWAY_SCRIPT_EOF'\n#!/usr/bin/env bash\necho rollout\n") {
		t.Errorf("commands = %q", got)
	}
	if aws.ToString(c.DocumentName) != "AWS-RunShellScript" || aws.ToString(c.MaxErrors) != "0" || aws.ToString(c.MaxConcurrency) != "1" {
		t.Errorf("command = %+v", c)
	}

	// moto runs nothing, so there is no result line: a bare SSM Success must
	// never pass for a deployment.
	_, err = r.Run(ctx, targets, script)
	if !errors.Is(err, ErrNoResult) {
		t.Errorf("Run against moto = %v, want ErrNoResult (moto runs no script)", err)
	}

	// A stopped instance is no longer Online: nothing is sent.
	ec2Call(t, m.Endpoint, url.Values{"Action": {"StopInstances"}, "InstanceId.1": {testIDs[1]}}, nil)
	before, _ := client.ListCommands(ctx, &ssm.ListCommandsInput{})
	_, err = r.Run(ctx, targets, script)
	if !errors.Is(err, ErrOffline) || !strings.Contains(err.Error(), testIDs[1]) {
		t.Errorf("Run with a stopped instance = %v, want ErrOffline naming %s", err, testIDs[1])
	}
	after, _ := client.ListCommands(ctx, &ssm.ListCommandsInput{})
	if len(after.Commands) != len(before.Commands) {
		t.Errorf("a command was sent although an instance is offline")
	}
}
