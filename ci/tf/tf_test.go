package tf

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestBackendConfig(t *testing.T) {
	t.Parallel()
	got := strings.Join(backendConfig(Backend{Bucket: "b", Region: "eu-west-1", PathStyle: true}, "prod"), " ")
	want := "bucket=b key=gangway/prod/terraform.tfstate region=eu-west-1 encrypt=true use_lockfile=true use_path_style=true"
	if got != want {
		t.Errorf("backendConfig = %q, want %q", got, want)
	}
	got = strings.Join(backendConfig(Backend{Bucket: "b", Region: "us-east-1"}, "test"), " ")
	want = "bucket=b key=gangway/test/terraform.tfstate region=us-east-1 encrypt=true use_lockfile=true"
	if got != want {
		t.Errorf("backendConfig = %q, want %q", got, want)
	}
}

func TestLockTimeoutArg(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   time.Duration
		want string
	}{{0, "1s"}, {500 * time.Millisecond, "1s"}, {90 * time.Second, "90s"}, {5 * time.Minute, "300s"}}
	for _, tc := range cases {
		if got := lockTimeoutArg(tc.in); got != tc.want {
			t.Errorf("lockTimeoutArg(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseState(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in string
		want     State
	}{
		{"nothing", "", State{}},
		{"empty state", `{"version":4,"serial":0,"lineage":""}`, State{}},
		{"state", `{"version":4,"serial":7,"lineage":"abc"}`, State{Exists: true, Lineage: "abc", Serial: 7}},
	}
	for _, tc := range cases {
		got, err := parseState([]byte(tc.in))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got != tc.want {
			t.Errorf("%s: parseState = %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if _, err := parseState([]byte("{")); err == nil {
		t.Error("parseState of bad JSON: no error")
	}
}

// lockedOutput is what terraform 1.11 prints (after terraform-exec's
// -no-color) when the S3 lock file is held.
const lockedOutput = `exit status 1

Error: Error acquiring the state lock

Error message: operation error S3: PutObject, https response error
StatusCode: 412, RequestID: x, api error PreconditionFailed: At least one of
the pre-conditions you specified did not hold
Lock Info:
  ID:        11111111-2222-3333-4444-555555555555
  Path:      state/gangway/test/terraform.tfstate
  Operation: OperationTypeApply
  Who:       alice@runner-7
  Version:   1.11.4
  Created:   2026-11-26 19:00:00 +0000 UTC
  Info:      

Terraform acquires a state lock to protect the state from being written
by multiple users at the same time.`

func TestParseLocked(t *testing.T) {
	t.Parallel()
	le := parseLocked(lockedOutput)
	if le == nil {
		t.Fatal("parseLocked = nil")
	}
	want := LockedError{ID: "11111111-2222-3333-4444-555555555555", Who: "alice@runner-7", Operation: "OperationTypeApply",
		Created: "2026-11-26 19:00:00 +0000 UTC", Path: "state/gangway/test/terraform.tfstate"}
	if *le != want {
		t.Errorf("parseLocked = %+v, want %+v", *le, want)
	}
	le.Waited = 3 * time.Second
	for _, s := range []string{"alice@runner-7", "11111111-2222-3333-4444-555555555555", "waited 3s", "never does"} {
		if !strings.Contains(le.Error(), s) {
			t.Errorf("LockedError %q lacks %q", le.Error(), s)
		}
	}
	if parseLocked("Error: something else\nID: 1") != nil {
		t.Error("parseLocked matched an unrelated error")
	}
}

func TestNewBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ok := Config{Dir: dir, Env: "test", Backend: Backend{Bucket: "b", Region: "us-east-1"}, Environ: []string{"PATH=" + dir}}
	cases := []struct {
		name    string
		mod     func(*Config)
		wantErr string
	}{
		{"bad env", func(c *Config) { c.Env = "prod;rm -rf /" }, "unknown environment"},
		{"traversal env", func(c *Config) { c.Env = "../x" }, "unknown environment"},
		{"upper-case env", func(c *Config) { c.Env = "PROD" }, "unknown environment"},
		{"empty env", func(c *Config) { c.Env = "" }, "empty"},
		{"no bucket", func(c *Config) { c.Backend.Bucket = "" }, "state bucket"},
		{"no region", func(c *Config) { c.Backend.Region = "" }, "region"},
		{"no dir", func(c *Config) { c.Dir = dir + "/missing" }, "not found"},
		{"no terraform on PATH", func(c *Config) {}, "terraform binary not found on PATH"},
		{"no terraform at path", func(c *Config) { c.ExecPath = dir + "/terraform" }, "terraform binary not found at"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := ok
			tc.mod(&c)
			_, err := New(c)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("New error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
	_, err := New(ok)
	if !errors.Is(err, ErrNoTerraform) {
		t.Errorf("New without terraform: %v, want ErrNoTerraform", err)
	}
}

func TestParseOutputs(t *testing.T) {
	t.Parallel()
	all := `{"environment":"test","region":"us-east-1","asg_name":"gangway-test","app_url":"http://x","ecr_repository_url":"r.example.com/gangway-test",` +
		`"bucket_name":"b","db_endpoint":"db:5432","db_secret_arn":"arn:s","image_parameter":"/gangway/test/image",` +
		`"rollout_script_parameter":"/gangway/test/rollout-script","log_group_name":"/gangway/test/app","alarm_5xx_name":"gangway-test-5xx",` +
		`"target_group_arn":"arn:tg","extra":{"x":1}}`
	o, err := ParseOutputs([]byte(all))
	if err != nil {
		t.Fatal(err)
	}
	want := Outputs{
		Environment: "test", Region: "us-east-1", ASGName: "gangway-test", AppURL: "http://x",
		ECRRepositoryURL: "r.example.com/gangway-test", BucketName: "b", DBEndpoint: "db:5432", DBSecretARN: "arn:s",
		ImageParameter: "/gangway/test/image", RolloutScriptParameter: "/gangway/test/rollout-script",
		LogGroupName: "/gangway/test/app", Alarm5xxName: "gangway-test-5xx", TargetGroupARN: "arn:tg",
	}
	if o != want {
		t.Errorf("ParseOutputs = %+v, want %+v", o, want)
	}
	cases := []struct{ name, in, want string }{
		{"not json", "nope", "JSON object"},
		{"missing", `{"environment":"test"}`, "region, asg_name, app_url"},
		{"the single host's contract", `{"environment":"test","region":"r","instance_id":"i-1","app_url":"u","ecr_repository_url":"e","bucket_name":"b","db_endpoint":"d","db_secret_arn":"s"}`,
			"asg_name, image_parameter, rollout_script_parameter, log_group_name, alarm_5xx_name, target_group_arn are missing"},
		{"empty value", strings.Replace(all, `"app_url":"http://x"`, `"app_url":""`, 1), "app_url are missing or empty"},
		{"not a string", strings.Replace(all, `"app_url":"http://x"`, `"app_url":{"value":"http://x"}`, 1), "app_url is"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if _, err := ParseOutputs([]byte(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("ParseOutputs error = %v, want %q", err, c.want)
			}
		})
	}
	if got, want := strings.Join(OutputNames, ","), "environment,region,asg_name,app_url,ecr_repository_url,bucket_name,db_endpoint,db_secret_arn,"+
		"image_parameter,rollout_script_parameter,log_group_name,alarm_5xx_name,target_group_arn"; got != want {
		t.Errorf("OutputNames = %s, want %s", got, want)
	}
}

func TestJSONFilterKeepsOnlyHumanOutput(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	f := &jsonFilter{w: &out}
	in := "Initializing the backend...\n{\n  \"terraform_version\": \"1.11.4\",\n  \"platform\": \"linux_amd64\"\n}\n" +
		`{"format_version":"1.2","planned_values":{}}` + "\nPlan: 1 to add, 0 to change, 0 to destroy.\n{ not json\n"
	for _, chunk := range []string{in[:7], in[7:40], in[40:]} { // writes split anywhere
		if _, err := f.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := out.String(), "Initializing the backend...\nPlan: 1 to add, 0 to change, 0 to destroy.\n{ not json\n"; got != want {
		t.Errorf("filtered output = %q, want %q", got, want)
	}
}

// TestErrorChains: an interrupted step keeps terraform's error and the
// context's in its chain, a missing binary keeps the exec error, and no
// failure stays nil (never "%!w(<nil>)").
func TestErrorChains(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ctxErr(ctx, nil); err != nil {
		t.Errorf("ctxErr(canceled, nil) = %v, want nil", err)
	}
	failed := errors.New("exit status 1")
	err := ctxErr(ctx, failed)
	if !errors.Is(err, failed) || !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "%!") {
		t.Errorf("ctxErr = %v", err)
	}
	r := &Runner{}
	notFound := &exec.Error{Name: "terraform", Err: exec.ErrNotFound}
	err = r.wrap("terraform init", notFound)
	var ee *exec.Error
	if !errors.Is(err, ErrNoTerraform) || !errors.As(err, &ee) || !errors.Is(err, exec.ErrNotFound) {
		t.Errorf("wrap(exec error) = %v, want ErrNoTerraform and the exec error in its chain", err)
	}
	if r.wrap("x", nil) != nil {
		t.Error("wrap(nil) is not nil")
	}
	// The context ended as terraform exited: terraform-exec's error wraps
	// nothing, and asking its text would panic.
	err = r.wrap("terraform init", endedErr{})
	if got, want := err.Error(), "terraform init: stopped as its context ended"; got != want {
		t.Errorf("wrap(ended) = %q, want %q", got, want)
	}
	err = ctxErr(ctx, err)
	if !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "%!") {
		t.Errorf("ctxErr(wrap(ended)) = %v, want context.Canceled in its chain", err)
	}
	var ended endedErr
	if !errors.As(err, &ended) {
		t.Errorf("ctxErr(wrap(ended)) = %v lost terraform-exec's error", err)
	}
}

// endedErr is terraform-exec's error for a command whose context ended
// (tfexec's cmdErr) as it is when the command itself did not fail: it
// wraps nil, and its Error method dereferences that nil.
type endedErr struct{ err error }

func (e endedErr) Is(target error) bool {
	return target == context.Canceled || target == context.DeadlineExceeded
}
func (e endedErr) Unwrap() error { return e.err }
func (e endedErr) Error() string { return e.err.Error() }

// TestInitInterrupted: an init whose context has ended says what it was
// doing and that it was interrupted, keeps context.Canceled in its chain
// and never formats a nil.
func TestInitInterrupted(t *testing.T) {
	t.Parallel()
	exe, _ := fakeTerraform(t)
	r, err := New(Config{Dir: t.TempDir(), Env: "test", Backend: Backend{Bucket: "b", Region: "us-east-1"}, ExecPath: exe, Environ: []string{"PATH=/usr/bin:/bin"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = r.Init(ctx)
	if err == nil {
		t.Fatal("Init with an ended context succeeded")
	}
	if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "terraform init: ") ||
		!strings.Contains(err.Error(), "interrupted") || strings.Contains(err.Error(), "%!") {
		t.Errorf("Init = %q, want terraform init, interrupted and context.Canceled in its chain", err)
	}
}
