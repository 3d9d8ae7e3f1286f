package release

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/gangway-dev/gangway/ci/hostresult"
	"github.com/gangway-dev/gangway/ci/rollout"
	"github.com/gangway-dev/gangway/internal/components"
)

const image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/gangway-test@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

var params = Parameters{Image: "/gangway/test/image", Script: "/gangway/test/rollout-script"}

// hostScript is the script pipeline rollout renders for image on EC2.
func hostScript(t *testing.T) string {
	t.Helper()
	script, err := rollout.Render(rollout.HostDefaults(hostresult.ModeDeploy, image, "eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	return script
}

func TestPutInputs(t *testing.T) {
	t.Parallel()
	script := hostScript(t)
	in, err := putInputs(params, image, script)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(in), 2; got != want {
		t.Fatalf("%d requests, want %d", got, want)
	}
	// The script first: until the image is written, a booting host serves
	// what it served before.
	s, i := in[0], in[1]
	if got, want := aws.ToString(s.Name), params.Script; got != want {
		t.Errorf("first request writes %q, want the script parameter %q", got, want)
	}
	if got, want := aws.ToString(i.Name), params.Image; got != want {
		t.Errorf("second request writes %q, want the image parameter %q", got, want)
	}
	if got, want := aws.ToString(i.Value), image; got != want {
		t.Errorf("image value = %q, want %q", got, want)
	}
	for _, r := range in {
		if !aws.ToBool(r.Overwrite) || r.Type != types.ParameterTypeString {
			t.Errorf("%s: Overwrite %v, Type %q; want true, String", aws.ToString(r.Name), aws.ToBool(r.Overwrite), r.Type)
		}
	}
	// The encoded script is over 4 KB: advanced tier, said so explicitly.
	if n := len(aws.ToString(s.Value)); n <= standardLimit || s.Tier != types.ParameterTierAdvanced {
		t.Errorf("script value %d bytes with tier %q; want over %d bytes and Advanced", n, s.Tier, standardLimit)
	}
	if i.Tier != "" {
		t.Errorf("image tier = %q, want none (the parameter keeps its own)", i.Tier)
	}
	got, err := DecodeScript(aws.ToString(s.Value))
	if err != nil || got != script {
		t.Errorf("DecodeScript(script value) = %d bytes, %v; want the %d rendered bytes", len(got), err, len(script))
	}
}

func TestPutInputsRefuses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name          string
		p             Parameters
		image, script string
		want          string
	}{
		{"no image parameter", Parameters{Script: "/s"}, image, "x", "both names"},
		{"no script parameter", Parameters{Image: "/i"}, image, "x", "both names"},
		{"no image", params, "", "x", "an image and its rollout script"},
		{"too big", params, image, randomText(9000), "more than an SSM parameter holds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if _, err := putInputs(c.p, c.image, c.script); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("putInputs = %v, want an error mentioning %q", err, c.want)
			}
		})
	}
}

// randomText is n bytes that gzip cannot shrink much.
func randomText(n int) string {
	var b strings.Builder
	x := uint32(2463534242)
	for b.Len() < n {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b.WriteByte(byte('!' + x%90))
	}
	return b.String()
}

func motoSSM(t *testing.T) *ssm.Client {
	m := components.MotoT(t)
	return ssm.NewFromConfig(aws.Config{
		Region:       "eu-west-1",
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		BaseEndpoint: aws.String(m.Endpoint),
	})
}

// Against moto: the parameters as terraform creates them ("none", the
// script's in the advanced tier), then a release written over them; what a
// booting host reads back, decoded as boot.sh decodes it, is the script
// that was rendered.
func TestWriteMoto(t *testing.T) {
	api := motoSSM(t)
	ctx := context.Background()
	for name, tier := range map[string]types.ParameterTier{params.Image: types.ParameterTierStandard, params.Script: types.ParameterTierAdvanced} {
		if _, err := api.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String("none"), Type: types.ParameterTypeString, Tier: tier}); err != nil {
			t.Fatal(err)
		}
	}
	script := hostScript(t)
	if err := Write(ctx, api, params, image, script); err != nil {
		t.Fatal(err)
	}
	get := func(name string) types.Parameter {
		out, err := api.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return *out.Parameter
	}
	if got := aws.ToString(get(params.Image).Value); got != image {
		t.Errorf("image parameter = %q, want %q", got, image)
	}
	encoded := aws.ToString(get(params.Script).Value)
	if got, err := DecodeScript(encoded); err != nil || got != script {
		t.Errorf("script parameter decodes to %d bytes (%v), want the %d rendered", len(got), err, len(script))
	}
	// boot.sh: printf '%s' "$encoded" | base64 -d | gunzip
	cmd := exec.Command("bash", "-c", `printf '%s' "$ENCODED" | base64 -d | gunzip`)
	cmd.Env = []string{"ENCODED=" + encoded, "PATH=/usr/bin:/bin"}
	out, err := cmd.Output()
	if err != nil || string(out) != script {
		t.Errorf("boot.sh's decoding gives %d bytes (%v), want the %d rendered", len(out), err, len(script))
	}
	desc, err := api.DescribeParameters(ctx, &ssm.DescribeParametersInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range desc.Parameters {
		if aws.ToString(p.Name) == params.Script && p.Tier != types.ParameterTierAdvanced {
			t.Errorf("script parameter tier = %q, want Advanced", p.Tier)
		}
	}
}

// A parameter that cannot be written fails with its name: moto refuses a
// name under the reserved "aws" prefix, as AWS does.
func TestWriteFailsNamingTheParameter(t *testing.T) {
	api := motoSSM(t)
	err := Write(context.Background(), api, Parameters{Image: "/gangway/test/image", Script: "awsgangway"}, image, hostScript(t))
	if err == nil || !strings.Contains(err.Error(), "SSM parameter awsgangway") {
		t.Errorf("Write = %v, want an error naming awsgangway", err)
	}
}

// The host script, as the pipeline renders it for EC2, fits the parameter
// a booting host reads, with room to grow: a script that outgrows it stops
// every rollout before any host is touched.
func TestTheHostScriptFits(t *testing.T) {
	t.Parallel()
	const headroom = 1024
	image := "123456789012.dkr.ecr.ap-southeast-2.amazonaws.com/gangway-prod@sha256:" + strings.Repeat("f", 64)
	for _, mode := range []hostresult.Mode{hostresult.ModeDeploy, hostresult.ModeRollback} {
		p := rollout.HostDefaults(mode, image, "ap-southeast-2")
		if mode == hostresult.ModeRollback {
			p.Image = ""
		}
		script, err := rollout.Render(p)
		if err != nil {
			t.Fatal(err)
		}
		encoded, err := encodeScript(script)
		if err != nil {
			t.Fatal(err)
		}
		if len(encoded) > advancedLimit-headroom {
			t.Errorf("%s: the encoded script is %d bytes; keep it under %d (the parameter holds %d)", mode, len(encoded), advancedLimit-headroom, advancedLimit)
		}
		t.Logf("%s: script %d bytes, encoded %d of %d", mode, len(script), len(encoded), advancedLimit)
	}
}
