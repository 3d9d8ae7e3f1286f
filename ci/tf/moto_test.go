package tf

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/gangway-dev/gangway/ci/awsenv"
	"github.com/gangway-dev/gangway/ci/tf/tftest"
	"github.com/gangway-dev/gangway/internal/components"
)

// world is moto_server with a bootstrapped state bucket, and a private copy
// of the fixture configuration.
type world struct {
	dir     string
	environ []string
	s3      *s3.Client
	bucket  string
	log     *bytes.Buffer
}

func newWorld(t *testing.T) *world {
	t.Helper()
	components.SkipShort(t, "terraform and moto_server")
	cliConfig := tftest.CLIConfig(t)
	m := components.MotoT(t)
	env := map[string]string{}
	for _, kv := range m.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	cfg, err := awsenv.Load(context.Background(), func(k string) string { return env[k] }, awsenv.Settings{Region: "us-east-1", Endpoint: m.Endpoint})
	if err != nil {
		t.Fatal(err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := Bootstrap(context.Background(), client, "gangway-state", "us-east-1"); err != nil {
		t.Fatalf("Bootstrap: %v", err)
	}
	environ := append(os.Environ(), m.Env()...)
	environ = append(environ, "TF_CLI_CONFIG_FILE="+cliConfig, "AWS_EC2_METADATA_DISABLED=true")
	return &world{dir: tftest.Fixture(t), environ: environ, s3: client, bucket: "gangway-state", log: &bytes.Buffer{}}
}

func (w *world) runner(t *testing.T, env string) *Runner {
	t.Helper()
	r, err := New(Config{
		Dir: w.dir, Env: env, Environ: w.environ, Log: w.log, LockTimeout: 2 * time.Second,
		Backend: Backend{Bucket: w.bucket, Region: "us-east-1", PathStyle: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("terraform output:\n%s", w.log)
		}
	})
	return r
}

func (w *world) setMarker(t *testing.T, env, v string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, "env", env+".tfvars"), []byte("marker = \""+v+"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func wantRefused(t *testing.T, err error, reason string) {
	t.Helper()
	var re *RefusedError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), reason) {
		t.Fatalf("error = %v, want a *RefusedError containing %q", err, reason)
	}
}

func TestPlanApplyOutputs(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.runner(t, "test")
	ctx := context.Background()
	planFile := filepath.Join(t.TempDir(), "test.tfplan")
	p, err := r.Plan(ctx, planFile)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if !p.HasChanges || p.Summary.Add != 2 || p.Summary.Headline() != "2 to add, 0 to change, 0 to destroy, 0 to replace" {
		t.Errorf("Plan = %+v, want 2 to add", p)
	}
	if p.Binding.State.Exists {
		t.Errorf("binding state = %+v, want no state", p.Binding.State)
	}
	// The summary read from terraform's stream is the one `terraform show
	// -json` of the same plan gives.
	shown, err := r.tf.ShowPlanFile(ctx, planFile)
	if err != nil {
		t.Fatal(err)
	}
	if want := summarizeShown(shown); !reflect.DeepEqual(p.Summary, want) {
		t.Errorf("streamed summary %+v, show -json says %+v", p.Summary, want)
	}
	a, err := r.Apply(ctx, planFile)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if !a.After.Exists || a.Before.Exists {
		t.Errorf("Apply states = %+v -> %+v", a.Before, a.After)
	}
	// Reading the state object directly agrees with terraform state pull.
	direct := w.runner(t, "test")
	direct.cfg.StateObjects = w.s3
	if got, err := direct.PullState(ctx); err != nil || got != a.After {
		t.Errorf("state read from S3 = %v, %v; terraform state pull said %v", got, err, a.After)
	}
	prod := w.runner(t, "prod")
	prod.cfg.StateObjects = w.s3
	if got, err := prod.PullState(ctx); err != nil || got.Exists {
		t.Errorf("prod state read from S3 = %v, %v; want no state", got, err)
	}
	outs, err := r.Outputs(ctx)
	if err != nil {
		t.Fatalf("Outputs: %v", err)
	}
	if got, want := outs.BucketName, "gangway-test-fixture-data"; got != want {
		t.Errorf("bucket_name = %s, want %s", got, want)
	}
	again, err := r.Plan(ctx, filepath.Join(t.TempDir(), "again.tfplan"))
	if err != nil {
		t.Fatalf("second Plan: %v", err)
	}
	if again.HasChanges || !again.Summary.NoChanges {
		t.Errorf("second Plan = %+v, want no changes", again.Summary)
	}
	if again.Binding.State != a.After {
		t.Errorf("second plan bound to %v, want %v", again.Binding.State, a.After)
	}
}

// A plan made on an empty state must not apply twice, not even from
// another checkout (hashicorp/terraform#24078).
func TestApplyRefusesFreshStatePlanTwice(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	planFile := filepath.Join(t.TempDir(), "test.tfplan")
	r := w.runner(t, "test")
	if _, err := r.Plan(ctx, planFile); err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if _, err := r.Apply(ctx, planFile); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	_, err := r.Apply(ctx, planFile)
	wantRefused(t, err, "made on an empty state, but a state now exists")

	// A second checkout with a fresh working directory.
	w2 := *w
	w2.dir = tftest.Fixture(t)
	_, err = w2.runner(t, "test").Apply(ctx, planFile)
	wantRefused(t, err, "made on an empty state, but a state now exists")
}

func TestApplyRefusesStalePlan(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	r := w.runner(t, "test")
	if _, _, err := r.PlanAndApply(ctx); err != nil {
		t.Fatalf("first apply: %v", err)
	}
	w.setMarker(t, "test", "v2")
	reviewed := filepath.Join(t.TempDir(), "reviewed.tfplan")
	if _, err := r.Plan(ctx, reviewed); err != nil {
		t.Fatalf("Plan: %v", err)
	}
	// Someone else applies in between.
	w.setMarker(t, "test", "v3")
	if _, _, err := r.PlanAndApply(ctx); err != nil {
		t.Fatalf("other apply: %v", err)
	}
	_, err := r.Apply(ctx, reviewed)
	wantRefused(t, err, "the plan is stale")
	outs, err := r.Outputs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := readMarker(t, w, r); got != "v3" {
		t.Errorf("marker = %q after the refused apply, want v3 (outputs %v)", got, outs)
	}
}

func readMarker(t *testing.T, w *world, r *Runner) string {
	t.Helper()
	all, err := r.tf.Output(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var s string
	_ = json.Unmarshal(all["marker"].Value, &s)
	return s
}

func TestApplyRefusesForeignPlan(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	test := w.runner(t, "test")
	if _, _, err := test.PlanAndApply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	w.setMarker(t, "test", "v2")
	planFile := filepath.Join(t.TempDir(), "test.tfplan")
	if _, err := test.Plan(ctx, planFile); err != nil {
		t.Fatalf("Plan: %v", err)
	}

	// The test plan offered to prod.
	_, err := w.runner(t, "prod").Apply(ctx, planFile)
	wantRefused(t, err, `made for environment "test", not "prod"`)

	// The state object replaced by another state (another lineage) at the
	// same serial.
	key := stateKey("test")
	obj, err := w.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &w.bucket, Key: &key})
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.NewDecoder(obj.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	obj.Body.Close()
	st["lineage"] = "00000000-0000-0000-0000-000000000000"
	body, _ := json.Marshal(st)
	if _, err := w.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &w.bucket, Key: &key, Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
	_, err = test.Apply(ctx, planFile)
	wantRefused(t, err, "another state (lineage")

	// A plan file swapped under its binding.
	other := filepath.Join(t.TempDir(), "other.tfplan")
	if _, err := test.Plan(ctx, other); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(other)
	if err := os.WriteFile(planFile, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = test.Apply(ctx, planFile)
	wantRefused(t, err, "not the one that was reviewed")
}

func TestHeldLockWaitsThenNamesHolder(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	// Another process's lock, as terraform writes it with use_lockfile.
	lockKey := stateKey("test") + ".tflock"
	lock := `{"ID":"6a1e6a51-0c8e-4b55-9d0f-2f36e8e1f0aa","Operation":"OperationTypeApply","Info":"","Who":"bob@ci-runner-3","Version":"1.11.4","Created":"2026-11-26T19:00:00Z","Path":"gangway-state/gangway/test/terraform.tfstate"}`
	if _, err := w.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &w.bucket, Key: &lockKey, Body: strings.NewReader(lock)}); err != nil {
		t.Fatal(err)
	}
	r := w.runner(t, "test")
	_, err := r.Plan(ctx, filepath.Join(t.TempDir(), "p.tfplan"))
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("Plan error = %v, want *LockedError", err)
	}
	if le.ID != "6a1e6a51-0c8e-4b55-9d0f-2f36e8e1f0aa" || le.Who != "bob@ci-runner-3" || le.Waited != 2*time.Second {
		t.Errorf("LockedError = %+v", le)
	}
	// Never broken: the lock object is still there, unchanged.
	obj, err := w.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &w.bucket, Key: &lockKey})
	if err != nil {
		t.Fatalf("the lock object is gone: %v", err)
	}
	got, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if string(got) != lock {
		t.Errorf("lock object = %s, want it unchanged", got)
	}
	// Released by its holder, the same plan goes through.
	if _, err := w.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &w.bucket, Key: aws.String(lockKey)}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Plan(ctx, filepath.Join(t.TempDir(), "p.tfplan")); err != nil {
		t.Fatalf("Plan after release: %v", err)
	}
}

func TestMissingProvider(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.environ = append(w.environ, "TF_CLI_CONFIG_FILE="+tftest.MirrorConfig(t, t.TempDir()))
	_, err := w.runner(t, "test").Plan(context.Background(), filepath.Join(t.TempDir(), "p.tfplan"))
	var pe *ProviderError
	if !errors.As(err, &pe) {
		t.Fatalf("Plan error = %v, want *ProviderError", err)
	}
	if !strings.Contains(err.Error(), "filesystem_mirror") {
		t.Errorf("error %q does not say how to fix it", err)
	}
}

// TestDrift applies the fixture, changes the marker parameter behind
// Terraform's back through the emulator's API, and expects the refresh-only
// plan to name the resource and the attribute; an environment never applied
// is an error, not "no drift".
func TestDrift(t *testing.T) {
	components.SkipShort(t, "terraform and moto_server")
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	r := w.runner(t, "test")
	if _, err := r.Drift(ctx); err == nil || !strings.Contains(err.Error(), "has no state") {
		t.Fatalf("Drift of a never-applied environment = %v, want an error saying so", err)
	}
	if _, _, err := r.PlanAndApply(ctx); err != nil {
		t.Fatal(err)
	}
	d, err := r.Drift(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d.Drifted {
		t.Fatalf("drift right after apply: %+v", d)
	}
	cfg, err := awsenv.Load(ctx, func(k string) string {
		return map[string]string{"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}[k]
	}, awsenv.Settings{Region: "us-east-1", Endpoint: endpointOf(w.environ)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ssm.NewFromConfig(cfg).PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String("/gangway/test/marker"), Value: aws.String("changed-by-hand"), Overwrite: aws.Bool(true),
	}); err != nil {
		t.Fatal(err)
	}
	d, err = r.Drift(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Drifted || len(d.Resources) != 1 || d.Resources[0].Address != "aws_ssm_parameter.marker" {
		t.Fatalf("drift = %+v, want the marker parameter", d)
	}
	var found bool
	for _, a := range d.Resources[0].Attributes {
		if a.Name == "value" || a.Name == "insecure_value" {
			found = true
		}
	}
	if !found {
		t.Errorf("drifted attributes %+v lack the value", d.Resources[0].Attributes)
	}
	if md := d.Markdown(); !strings.Contains(md, "aws_ssm_parameter.marker") || !strings.Contains(md, "changed outside Terraform") {
		t.Errorf("Markdown:\n%s", md)
	}
}

func endpointOf(environ []string) string {
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "AWS_ENDPOINT_URL="); ok {
			return v
		}
	}
	return ""
}
