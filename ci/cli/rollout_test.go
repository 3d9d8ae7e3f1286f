package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gangway-dev/gangway/ci/hostresult"
	"github.com/gangway-dev/gangway/ci/ssmrun"
)

const testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	env := map[string]string{"AWS_REGION": "eu-west-1"}
	code = Main(context.Background(), args, IO{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }})
	return code, out.String(), errb.String()
}

func TestRolloutRejectsBadInput(t *testing.T) {
	t.Parallel()
	img := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/gangway-test@" + testDigest
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no env", []string{"rollout", "--image", img}, "environment name is empty"},
		{"bad env", []string{"rollout", "--env", "staging", "--image", img}, "unknown environment"},
		{"tag, not digest", []string{"rollout", "--env", "test", "--image", "repo/app:latest"}, "@sha256:<64 hex digits>"},
		{"no image", []string{"rollout", "--env", "test"}, "@sha256:<64 hex digits>"},
		{"rollback takes no image", []string{"rollback", "--env", "test", "--image", img}, "flag provided but not defined"},
		{"batch over 50", []string{"rollout", "--env", "test", "--image", img, "--batch-size", "60"}, "at most 50"},
		{"execution timeout too short", []string{"rollout", "--env", "test", "--image", img, "--execution-timeout", "1m"}, "shorter than the script's own bounds"},
		{"no region", []string{"rollout", "--env", "test", "--image", img, "--region", "x"}, "region"},
		{"bake not a duration", []string{"rollout", "--env", "test", "--image", img, "--bake", "soon"}, "invalid value"},
		{"bake over an hour", []string{"rollout", "--env", "test", "--image", img, "--bake", "2h", "--execution-timeout", "3h"}, "bake 2h0m0s must be whole seconds"},
		{"bake outlasts the execution timeout", []string{"rollout", "--env", "test", "--image", img, "--bake", "20m"}, "bake 20m0s"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(c.args...)
			if code != ExitUsage || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d, stderr %q; want %d mentioning %q", code, stderr, ExitUsage, c.want)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing on bad input", stdout)
			}
		})
	}
}

func TestRolloutPrintScript(t *testing.T) {
	t.Parallel()
	img := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/gangway-prod@" + testDigest
	code, stdout, stderr := runCLI("rollout", "--env", "prod", "--image", img, "--print-script", "--public-port", "8080")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"IMAGE='" + img + "'", "LOGIN='ecr'", "REGION='eu-west-1'", "PUBLIC_LISTEN='8080'", "DOCKER='docker'", "NETWORK='bridge'", "\nBAKE_SECONDS=60\n", "\nmain </dev/null\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("script lacks %q", want)
		}
	}
	// The bake: ten seconds in test, and what --bake says.
	testImg := strings.Replace(img, "gangway-prod", "gangway-test", 1)
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "\nBAKE_SECONDS=10\n"},
		{[]string{"--bake", "0"}, "\nBAKE_SECONDS=0\n"},
		{[]string{"--bake", "2m"}, "\nBAKE_SECONDS=120\n"},
	} {
		code, stdout, stderr := runCLI(append([]string{"rollout", "--env", "test", "--image", testImg, "--print-script"}, c.args...)...)
		if code != ExitOK || !strings.Contains(stdout, c.want) {
			t.Errorf("rollout --env test %v: exit %d, %s; want %q", c.args, code, stderr, strings.TrimSpace(c.want))
		}
	}
	code, stdout, _ = runCLI("rollback", "--env", "test", "--print-script")
	if code != ExitOK || !strings.Contains(stdout, "MODE='rollback'") || !strings.Contains(stdout, "IMAGE=''") {
		t.Errorf("rollback script: exit %d, missing MODE='rollback' / IMAGE=''", code)
	}
}

func TestOverall(t *testing.T) {
	t.Parallel()
	host := func(status string) ssmrun.HostResult {
		return ssmrun.HostResult{InstanceID: "i-1", Result: &hostresult.Result{Status: status}}
	}
	cases := []struct {
		name  string
		hosts []ssmrun.HostResult
		err   error
		want  string
	}{
		{"no hosts", nil, nil, "failed"},
		{"all unchanged", []ssmrun.HostResult{host("unchanged"), host("unchanged")}, nil, "unchanged"},
		{"one deployed", []ssmrun.HostResult{host("unchanged"), host("deployed")}, nil, "deployed"},
		{"one rolled back", []ssmrun.HostResult{host("deployed"), host("rolled_back")}, nil, "failed"},
		{"no result", []ssmrun.HostResult{{InstanceID: "i-1"}}, nil, "failed"},
		{"error", []ssmrun.HostResult{host("deployed")}, errors.New("batch 2 failed"), "failed"},
	}
	for _, c := range cases {
		if got := ssmrun.Overall(c.hosts, c.err); got != c.want {
			t.Errorf("%s: Overall = %q, want %q", c.name, got, c.want)
		}
	}
}
