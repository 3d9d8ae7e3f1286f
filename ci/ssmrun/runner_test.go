package ssmrun

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/gangway-dev/gangway/ci/hostresult"
)

const okLine = `GANGWAY_RESULT {"status":"deployed","mode":"deploy","image":"r/a@sha256:00","slot":"green","seconds":4,"message":"serving"}`

var fleetTags = map[string]string{"Environment": "test", "App": "gangway"}

func fastRunner(t *testing.T, api API, opts ...Option) *Runner {
	t.Helper()
	r, err := New(api, append([]Option{withPolling(time.Millisecond, 5*time.Millisecond), withWaitTimeout(5 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func healthy() *fakeHost {
	return &fakeHost{ping: "Online", tags: fleetTags, status: "Success", detail: "Success", stdout: "log\n" + okLine + "\n", notYet: 2, inProgress: 2}
}

func TestSendInput(t *testing.T) {
	t.Parallel()
	r, err := New(nil, WithDeliveryTimeout(2*time.Minute), WithExecutionTimeout(600*time.Second), WithBatches(10, "2", "0"), WithComment("gangway rollout test"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := r.SendInput([]string{"i-1", "i-2"}, "echo hi\n")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(in.DocumentName), "AWS-RunShellScript"; got != want {
		t.Errorf("document = %q, want %q", got, want)
	}
	if got, want := aws.ToInt32(in.TimeoutSeconds), int32(120); got != want {
		t.Errorf("TimeoutSeconds = %d, want %d", got, want)
	}
	want := map[string][]string{
		"commands":         {"bash -s <<'GANGWAY_SCRIPT_EOF'\necho hi\nGANGWAY_SCRIPT_EOF"},
		"executionTimeout": {"600"},
	}
	if !reflect.DeepEqual(in.Parameters, want) {
		t.Errorf("parameters = %q, want %q", in.Parameters, want)
	}
	if aws.ToString(in.MaxConcurrency) != "2" || aws.ToString(in.MaxErrors) != "0" {
		t.Errorf("MaxConcurrency/MaxErrors = %q/%q, want 2/0", aws.ToString(in.MaxConcurrency), aws.ToString(in.MaxErrors))
	}
	if in.CloudWatchOutputConfig == nil || in.CloudWatchOutputConfig.CloudWatchOutputEnabled {
		t.Errorf("CloudWatch output must be explicitly off, got %+v", in.CloudWatchOutputConfig)
	}
	if !reflect.DeepEqual(in.InstanceIds, []string{"i-1", "i-2"}) {
		t.Errorf("instance ids = %v", in.InstanceIds)
	}
	if _, err := r.SendInput(make([]string, 51), "x"); err == nil {
		t.Error("SendInput accepted 51 instance ids")
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	cases := map[string]Option{
		"delivery below 30s":   WithDeliveryTimeout(10 * time.Second),
		"execution over 48h":   WithExecutionTimeout(49 * time.Hour),
		"batch over 50":        WithBatches(51, "1", "0"),
		"concurrency zero":     WithBatches(10, "0", "0"),
		"errors not a number":  WithBatches(10, "1", "some"),
		"percentage over 100":  WithBatches(10, "150%", "0"),
		"backoff max below it": withPolling(time.Second, time.Millisecond),
	}
	for name, opt := range cases {
		if _, err := New(nil, opt); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
		// Validate, which the CLI calls before it has a client, says the same.
		if err := Validate(opt); err == nil {
			t.Errorf("%s: Validate accepted it", name)
		}
	}
	if err := Validate(WithBatches(10, "2", "0")); err != nil {
		t.Errorf("Validate refused sound options: %v", err)
	}
}

// TestCommandsRunUnderSh proves the wrapper: sh (dash here, like the agent's
// sh) hands a bash-only script to bash unchanged, with its exit status.
func TestCommandsRunUnderSh(t *testing.T) {
	t.Parallel()
	// If sh expanded the here-document, $x would be empty: it is set by bash.
	script := "set -euo pipefail\nx=set-by-bash\narr=(a 'b c')\necho \"${#arr[@]} ${arr[1]} $x\"\nexit 3\n"
	cmds, err := commands(script)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("sh", "-c", strings.Join(cmds, "\n")).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("exit = %v, want status 3; output %q", err, out)
	}
	if got, want := string(out), "2 b c set-by-bash\n"; got != want {
		t.Errorf("output = %q, want %q", got, want)
	}
	if _, err := commands("echo\nGANGWAY_SCRIPT_EOF\n"); err == nil {
		t.Error("Commands accepted a script containing the delimiter")
	}
}

func TestRunHappyFleet(t *testing.T) {
	t.Parallel()
	hosts := map[string]*fakeHost{"i-a": healthy(), "i-b": healthy(), "i-c": healthy(),
		"i-other": {ping: "ConnectionLost", tags: map[string]string{"Environment": "prod", "App": "gangway"}}}
	f, client := newFake(t, hosts)
	r := fastRunner(t, client, WithBatches(2, "1", "0"))
	results, err := r.Run(context.Background(), Targets{Tags: fleetTags}, "echo hi\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 3 {
		t.Fatalf("results = %+v, want 3 hosts", results)
	}
	for _, hr := range results {
		if hr.Result == nil || hr.Result.Status != hostresult.StatusDeployed || hr.Error != "" {
			t.Errorf("%s: %+v", hr.InstanceID, hr)
		}
	}
	if got := len(f.sent); got != 2 {
		t.Errorf("SendCommand calls = %d, want 2 batches (2 + 1)", got)
	}
}

func TestPreflight(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		hosts   map[string]*fakeHost
		targets Targets
		want    error
		text    string
	}{
		{"offline instance", map[string]*fakeHost{"i-a": healthy(), "i-b": {ping: "ConnectionLost", tags: fleetTags}},
			Targets{Tags: fleetTags}, ErrOffline, "i-b is ConnectionLost"},
		{"inactive explicit id", map[string]*fakeHost{"i-a": {ping: "Inactive"}}, Targets{InstanceIDs: []string{"i-a"}}, ErrOffline, "i-a is Inactive"},
		{"unregistered id", map[string]*fakeHost{"i-a": healthy()}, Targets{InstanceIDs: []string{"i-a", "i-zzz"}}, ErrNotRegistered, "i-zzz"},
		{"no tagged instance", map[string]*fakeHost{"i-a": {ping: "Online", tags: map[string]string{"Environment": "prod"}}},
			Targets{Tags: fleetTags}, ErrNoTargets, "tagged"},
		{"no targets at all", nil, Targets{}, ErrNoTargets, "give instance ids or tags"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f, client := newFake(t, c.hosts)
			_, err := fastRunner(t, client).Run(context.Background(), c.targets, "echo\n")
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
				t.Errorf("Run = %v, want %v mentioning %q", err, c.want, c.text)
			}
			if len(f.sent) != 0 {
				t.Errorf("a command was sent despite the failed pre-flight")
			}
		})
	}
}

func TestPreflightChunksIDs(t *testing.T) {
	t.Parallel()
	hosts := map[string]*fakeHost{}
	var ids []string
	for i := range 120 {
		id := fmt.Sprintf("i-%03d", i)
		hosts[id] = healthy()
		ids = append(ids, id)
	}
	f, client := newFake(t, hosts)
	got, err := fastRunner(t, client).Preflight(context.Background(), Targets{InstanceIDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 120 || f.calls["DescribeInstanceInformation"] != 3 {
		t.Errorf("got %d instances in %d calls, want 120 in 3 (50 ids a call)", len(got), f.calls["DescribeInstanceInformation"])
	}
}

// TestStatuses: each terminal status maps to its own error, with the tail
// of the output and, when the script printed one, its result.
func TestStatuses(t *testing.T) {
	t.Parallel()
	failedLine := `GANGWAY_RESULT {"status":"rolled_back","mode":"deploy","image":"r/a@sha256:00","seconds":9,"message":"never healthy; old keeps serving"}`
	cases := []struct {
		status, detail string
		stdout         string
		want           error
		result         string
	}{
		{"Failed", "Failed", "pulling...\n" + failedLine + "\n", ErrFailed, "rolled_back"},
		{"TimedOut", "Execution Timed Out", "waiting for health\n", ErrExecutionTimedOut, ""},
		{"TimedOut", "Delivery Timed Out", "", ErrDeliveryTimedOut, ""},
		{"Cancelled", "Cancelled", "", ErrCancelled, ""},
		{"Failed", "Undeliverable", "", ErrUndeliverable, ""},
		{"Failed", "Terminated", "", ErrTerminated, ""},
		{"Failed", "InvalidPlatform", "", ErrInvalidPlatform, ""},
		{"Failed", "AccessDenied", "", ErrAccessDenied, ""},
		{"Success", "Success", "no result line here\n", ErrNoResult, ""},
	}
	for _, c := range cases {
		t.Run(c.detail+"/"+c.want.Error(), func(t *testing.T) {
			t.Parallel()
			h := healthy()
			h.status, h.detail, h.stdout, h.stderr = c.status, c.detail, c.stdout, "stderr says why"
			_, client := newFake(t, map[string]*fakeHost{"i-a": h})
			results, err := fastRunner(t, client).Run(context.Background(), Targets{InstanceIDs: []string{"i-a"}}, "echo\n")
			if !errors.Is(err, c.want) {
				t.Fatalf("Run error = %v, want %v", err, c.want)
			}
			for _, other := range []error{ErrFailed, ErrExecutionTimedOut, ErrDeliveryTimedOut, ErrCancelled, ErrUndeliverable, ErrTerminated, ErrInvalidPlatform, ErrAccessDenied, ErrNoResult} {
				if !errors.Is(other, c.want) && errors.Is(err, other) {
					t.Errorf("error also matches %v", other)
				}
			}
			var ie *InvocationError
			if !errors.As(err, &ie) || ie.InstanceID != "i-a" || ie.StderrTail != "stderr says why" {
				t.Fatalf("error %v is not an *InvocationError for i-a with the stderr tail", err)
			}
			if !strings.Contains(err.Error(), "stderr says why") || !strings.Contains(err.Error(), hints[c.want]) {
				t.Errorf("error text lacks the stderr tail or the hint: %v", err)
			}
			if c.result != "" && (ie.Result == nil || ie.Result.Status != c.result || len(results) != 1 || results[0].Result == nil) {
				t.Errorf("result = %+v, want status %s", ie.Result, c.result)
			}
		})
	}
}

func TestWaitsOutInvocationDoesNotExistAndThrottling(t *testing.T) {
	t.Parallel()
	h := healthy()
	h.notYet, h.inProgress = 6, 3
	f, client := newFake(t, map[string]*fakeHost{"i-a": h})
	// More throttles than the SDK's 3 attempts: the poll loop must absorb
	// them; SendCommand's two are absorbed by the SDK's retries.
	f.throttle["GetCommandInvocation"] = 7
	f.throttle["SendCommand"] = 2
	f.throttle["DescribeInstanceInformation"] = 1
	results, err := fastRunner(t, client).Run(context.Background(), Targets{InstanceIDs: []string{"i-a"}}, "echo\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || results[0].Result == nil || results[0].Result.Status != "deployed" {
		t.Errorf("results = %+v", results)
	}
	if got := f.calls["GetCommandInvocation"]; got < 7+6+3+1 {
		t.Errorf("GetCommandInvocation calls = %d, want at least 17", got)
	}
}

func TestSendThrottledBeyondRetries(t *testing.T) {
	t.Parallel()
	f, client := newFake(t, map[string]*fakeHost{"i-a": healthy()})
	f.throttle["SendCommand"] = 10
	_, err := fastRunner(t, client).Run(context.Background(), Targets{InstanceIDs: []string{"i-a"}}, "echo\n")
	if err == nil || !strings.Contains(err.Error(), "ThrottlingException") || !strings.Contains(err.Error(), "nothing ran") {
		t.Errorf("Run = %v, want a throttling error saying nothing ran", err)
	}
}

func TestWaitDeadline(t *testing.T) {
	t.Parallel()
	h := healthy()
	h.never = true
	_, client := newFake(t, map[string]*fakeHost{"i-a": h})
	start := time.Now()
	_, err := fastRunner(t, client, withWaitTimeout(200*time.Millisecond)).Run(context.Background(), Targets{InstanceIDs: []string{"i-a"}}, "echo\n")
	if !errors.Is(err, ErrWaitTimeout) || !strings.Contains(err.Error(), "i-a") {
		t.Errorf("Run = %v, want ErrWaitTimeout naming i-a", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("the wait was not bounded")
	}
}

func TestTruncatedOutput(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("pulling layer 0123456789abcdef\n", 1000)
	cases := []struct {
		name   string
		stdout string
		want   error
		ok     bool
	}{
		// What SSM returns: the first 24,000 characters; the line is lost.
		{"cut before the result line", (long + okLine + "\n")[:StdoutLimit], ErrOutputTruncated, false},
		{"cut inside the result line", (strings.Repeat("x", StdoutLimit-60) + "\n" + okLine)[:StdoutLimit], ErrOutputTruncated, false},
		// The script keeps stdout under the limit so this is the usual case.
		{"result within the limit", long[:StdoutLimit-500] + "\n" + okLine + "\n", nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := healthy()
			h.stdout = c.stdout
			_, client := newFake(t, map[string]*fakeHost{"i-a": h})
			results, err := fastRunner(t, client).Run(context.Background(), Targets{InstanceIDs: []string{"i-a"}}, "echo\n")
			if c.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), "/var/lib/gangway/logs") {
				t.Errorf("Run = %v, want %v with where to find the full log", err, c.want)
			}
			if len(results) != 1 || results[0].Error == "" {
				t.Errorf("results = %+v", results)
			}
		})
	}
}

// TestFailedBatchStopsTheFleet: the second batch fails, the third is never sent.
func TestFailedBatchStopsTheFleet(t *testing.T) {
	t.Parallel()
	hosts := map[string]*fakeHost{"i-1": healthy(), "i-2": healthy(), "i-3": healthy(), "i-4": healthy(), "i-5": healthy()}
	hosts["i-3"].status, hosts["i-3"].detail = "Failed", "Failed"
	f, client := newFake(t, hosts)
	results, err := fastRunner(t, client, WithBatches(2, "1", "0")).Run(context.Background(), Targets{Tags: fleetTags}, "echo\n")
	if !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), "batch 2 of 3 failed") {
		t.Fatalf("Run = %v, want batch 2 of 3 failed", err)
	}
	if len(f.sent) != 2 {
		t.Errorf("SendCommand calls = %d, want 2 (the third batch must not be sent)", len(f.sent))
	}
	if len(results) != 5 || results[4].InstanceID != "i-5" || results[4].Outcome != OutcomeNotAttempted {
		t.Errorf("results = %+v, want two batches' hosts and i-5 not attempted", results)
	}
}

func TestAutoBatchSize(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]int{1: 1, 2: 1, 3: 1, 4: 2, 5: 2, 10: 5, 100: 50, 1000: 50} {
		if got := autoBatchSize(n); got != want {
			t.Errorf("autoBatchSize(%d) = %d, want %d", n, got, want)
		}
	}
}

// sentIDs are the instance ids of each SendCommand, in order.
func sentIDs(f *fakeSSM) [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out [][]string
	for _, body := range f.sent {
		var ids []string
		for _, id := range body["InstanceIds"].([]any) {
			ids = append(ids, id.(string))
		}
		out = append(out, ids)
	}
	return out
}

// Without a batch size, batches keep capacity: half the hosts at a time,
// one at a time for two. A host already on the digest reports unchanged.
func TestAutoBatchesKeepCapacity(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		hosts int
		want  string
	}{
		{"4 hosts", 4, "[[i-1 i-2] [i-3 i-4]]"},
		{"2 hosts", 2, "[[i-1] [i-2]]"},
		{"1 host", 1, "[[i-1]]"},
		{"5 hosts", 5, "[[i-1 i-2] [i-3 i-4] [i-5]]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			hosts := map[string]*fakeHost{}
			for i := 1; i <= c.hosts; i++ {
				hosts[fmt.Sprintf("i-%d", i)] = healthy()
			}
			hosts["i-1"].stdout = strings.Replace(hosts["i-1"].stdout, `"deployed"`, `"unchanged"`, 1)
			f, client := newFake(t, hosts)
			results, err := fastRunner(t, client).Run(context.Background(), Targets{Tags: fleetTags}, "echo\n")
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(sentIDs(f)); got != c.want {
				t.Errorf("batches = %s, want %s", got, c.want)
			}
			if len(results) != c.hosts || results[0].Outcome != "unchanged" {
				t.Fatalf("results = %+v, want %d hosts, i-1 unchanged", results, c.hosts)
			}
			for _, h := range results[1:] {
				if h.Outcome != "deployed" {
					t.Errorf("%s outcome = %q, want deployed", h.InstanceID, h.Outcome)
				}
			}
		})
	}
}

// A failure in the first batch leaves the second untouched: never sent,
// each of its hosts reported not attempted, on its old release.
func TestFailedFirstBatchLeavesTheSecondUntouched(t *testing.T) {
	t.Parallel()
	hosts := map[string]*fakeHost{"i-1": healthy(), "i-2": healthy(), "i-3": healthy(), "i-4": healthy()}
	hosts["i-1"].status, hosts["i-1"].detail = "Failed", "Failed"
	f, client := newFake(t, hosts)
	results, err := fastRunner(t, client).Run(context.Background(), Targets{Tags: fleetTags}, "echo\n")
	if !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), "batch 1 of 2 failed") || !strings.Contains(err.Error(), "i-3, i-4 stay on their release") {
		t.Fatalf("Run = %v, want batch 1 of 2 failed, naming i-3 and i-4", err)
	}
	if got, want := fmt.Sprint(sentIDs(f)), "[[i-1 i-2]]"; got != want {
		t.Errorf("commands sent to %s, want only %s", got, want)
	}
	var got []string
	for _, h := range results {
		got = append(got, h.InstanceID+"="+h.Outcome)
	}
	if want := "i-1=failed i-2=deployed i-3=not_attempted i-4=not_attempted"; strings.Join(got, " ") != want {
		t.Errorf("outcomes = %s, want %s", strings.Join(got, " "), want)
	}
	rep := NewReport("test", "deploy", "r/a@sha256:00", results, err)
	if rep.Status != "failed" || len(rep.Hosts) != 4 {
		t.Errorf("report status %q with %d hosts, want failed with 4", rep.Status, len(rep.Hosts))
	}
}

func TestClassifyNonTerminal(t *testing.T) {
	t.Parallel()
	for _, s := range []types.CommandInvocationStatus{types.CommandInvocationStatusPending, types.CommandInvocationStatusInProgress, types.CommandInvocationStatusDelayed, types.CommandInvocationStatusCancelling} {
		if _, terminal := classify(string(s), string(s)); terminal {
			t.Errorf("%s classified as terminal", s)
		}
	}
}

// TestMaxErrorsSkipsTheRest: with MaxErrors 0 SSM sends no more after the
// first failure; the runner stops waiting for what never started.
func TestMaxErrorsSkipsTheRest(t *testing.T) {
	t.Parallel()
	hosts := map[string]*fakeHost{"i-1": healthy(), "i-2": healthy(), "i-3": healthy()}
	hosts["i-1"].status, hosts["i-1"].detail = "Failed", "Failed"
	hosts["i-2"].pending, hosts["i-3"].pending = true, true
	_, client := newFake(t, hosts)
	start := time.Now()
	results, err := fastRunner(t, client, withWaitTimeout(time.Minute), WithBatches(3, "1", "0")).Run(context.Background(), Targets{Tags: fleetTags}, "echo\n")
	if !errors.Is(err, ErrFailed) || !errors.Is(err, ErrSkipped) {
		t.Fatalf("Run = %v, want ErrFailed for i-1 and ErrSkipped for the others", err)
	}
	if time.Since(start) > 30*time.Second {
		t.Errorf("the runner waited for invocations that could never start")
	}
	if len(results) != 3 || results[1].Status != statusSkipped || results[2].Status != statusSkipped || results[1].Outcome != OutcomeNotAttempted {
		t.Errorf("results = %+v", results)
	}
}

// Describe lists what SSM sees, offline instances included (what a status
// shows); Preflight refuses the same fleet.
func TestDescribeListsOfflineInstances(t *testing.T) {
	t.Parallel()
	f, client := newFake(t, map[string]*fakeHost{"i-b": {ping: "ConnectionLost", tags: fleetTags}, "i-a": healthy()})
	r := fastRunner(t, client)
	got, err := r.Describe(context.Background(), Targets{Tags: fleetTags})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "i-a" || got[0].PingStatus != "Online" || got[1].ID != "i-b" || got[1].PingStatus != "ConnectionLost" {
		t.Errorf("Describe = %+v, want i-a Online, i-b ConnectionLost", got)
	}
	if _, err := r.Preflight(context.Background(), Targets{Tags: fleetTags}); !errors.Is(err, ErrOffline) {
		t.Errorf("Preflight = %v, want ErrOffline", err)
	}
	if len(f.sent) != 0 {
		t.Errorf("Describe or Preflight sent a command")
	}
}

// A failed batch rolls back every host the rollout had deployed, in the
// earlier batches and in its own, so that the fleet keeps one release.
func TestFailedBatchRollsBackMovedHosts(t *testing.T) {
	t.Parallel()
	hosts := map[string]*fakeHost{"i-1": healthy(), "i-2": healthy(), "i-3": healthy(), "i-4": healthy(), "i-5": healthy()}
	hosts["i-3"].status, hosts["i-3"].detail = "Failed", "Failed"
	f, client := newFake(t, hosts)
	runner := fastRunner(t, client, WithBatches(2, "1", "0"), WithRollbackOnFailure("echo rollback\n"))
	results, err := runner.Run(context.Background(), Targets{Tags: fleetTags}, "echo deploy\n")
	if !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), "the 3 host(s) this rollout had moved (i-1, i-2, i-4) were rolled back") {
		t.Fatalf("Run = %v, want batch 2 failed and i-1, i-2, i-4 rolled back", err)
	}
	if got := fmt.Sprint(sentIDs(f)); got != "[[i-1 i-2] [i-3 i-4] [i-1 i-2 i-4]]" {
		t.Errorf("commands went to %s, want the two batches, then the rollback of the moved hosts", got)
	}
	if got := f.sent[2]["Parameters"].(map[string]any)["commands"]; !strings.Contains(fmt.Sprint(got), "echo rollback") {
		t.Errorf("the third command ran %v, want the rollback script", got)
	}
	want := map[string]string{"i-1": OutcomeRolledBack, "i-2": OutcomeRolledBack, "i-3": OutcomeFailed, "i-4": OutcomeRolledBack, "i-5": OutcomeNotAttempted}
	for _, h := range results {
		if h.Outcome != want[h.InstanceID] {
			t.Errorf("%s outcome = %q, want %q", h.InstanceID, h.Outcome, want[h.InstanceID])
		}
	}
}

// A batch check that fails after a batch deployed fails it as a failed
// host would: no later batch is sent, and every moved host, that batch's
// included, is rolled back (the load balancer's 5xx alarm, in pipeline
// rollout).
func TestFailedBatchCheckRollsBackMovedHosts(t *testing.T) {
	t.Parallel()
	hosts := map[string]*fakeHost{"i-1": healthy(), "i-2": healthy(), "i-3": healthy(), "i-4": healthy()}
	f, client := newFake(t, hosts)
	checks := 0
	firing := errors.New("gangway-test-5xx went into ALARM")
	check := func(context.Context) error {
		if checks++; checks == 2 {
			return firing
		}
		return nil
	}
	runner := fastRunner(t, client, WithBatches(1, "1", "0"), WithRollbackOnFailure("echo rollback\n"), WithBatchCheck(check))
	results, err := runner.Run(context.Background(), Targets{Tags: fleetTags}, "echo deploy\n")
	if !errors.Is(err, firing) || !strings.Contains(err.Error(), "batch 2 of 4 deployed, then") {
		t.Fatalf("Run = %v, want batch 2 failed by the check", err)
	}
	if got := fmt.Sprint(sentIDs(f)); got != "[[i-1] [i-2] [i-1 i-2]]" {
		t.Errorf("commands went to %s, want two batches, then the rollback of both", got)
	}
	want := map[string]string{"i-1": OutcomeRolledBack, "i-2": OutcomeRolledBack, "i-3": OutcomeNotAttempted, "i-4": OutcomeNotAttempted}
	for _, h := range results {
		if h.Outcome != want[h.InstanceID] {
			t.Errorf("%s outcome = %q, want %q", h.InstanceID, h.Outcome, want[h.InstanceID])
		}
	}
}
