package tf

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// recorder collects the command lines terraform-exec logs.
type recorder struct{ lines []string }

func (r *recorder) Printf(format string, v ...any) {
	if line, ok := strings.CutPrefix(fmt.Sprintf(format, v...), "[INFO] running Terraform command: "); ok {
		r.lines = append(r.lines, line)
	}
}

// argvs returns the argument lists after the binary, without `version`.
func (r *recorder) argvs(exe string) [][]string {
	var out [][]string
	for _, l := range r.lines {
		args := strings.Fields(strings.TrimPrefix(l, exe+" "))
		if len(args) > 0 && args[0] != "version" {
			out = append(out, args)
		}
	}
	return out
}

// TestExactCommandLines holds every terraform command the runner makes to
// its exact arguments, as terraform-exec's own tests hold theirs: a flipped
// -lock, another environment's variables or a lost -refresh-only fails here.
func TestExactCommandLines(t *testing.T) {
	t.Parallel()
	exe, _ := fakeTerraform(t)
	dir := t.TempDir()
	for name, body := range map[string]string{"main.tf": "terraform {}\n", "env/prod.tfvars": "x = 1\n"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	newRunner := func(noLock bool) (*Runner, *recorder) {
		r, err := New(Config{Dir: dir, Env: "prod", Backend: Backend{Bucket: "state-b", Region: "eu-west-1", PathStyle: true},
			LockTimeout: 90 * time.Second, ExecPath: exe, Environ: []string{"PATH=/usr/bin:/bin"}, NoLock: noLock})
		if err != nil {
			t.Fatal(err)
		}
		rec := &recorder{}
		r.tf.SetLogger(rec)
		return r, rec
	}
	ctx := context.Background()
	plan := filepath.Join(t.TempDir(), "prod.tfplan")

	r, rec := newRunner(false)
	_ = r.Init(ctx)
	_, _ = r.Plan(ctx, plan) // the fake fails every plan: only its command line counts
	_ = r.settle(ctx)
	_ = r.tf.Apply(ctx, r.applyOptions(plan)...)
	_, _ = r.tf.Plan(ctx, r.driftOptions(plan)...)
	locked, rec2 := newRunner(true)
	_, _ = locked.Plan(ctx, plan)

	// terraform-exec runs terraform in the configuration directory: the
	// variable file is relative to it.
	varFile := "-var-file=" + filepath.Join("env", "prod.tfvars")
	want := [][]string{
		{"init", "-no-color", "-input=false", "-backend=true", "-get=true", "-upgrade=false", "-reconfigure",
			"-backend-config=bucket=state-b", "-backend-config=key=gangway/prod/terraform.tfstate", "-backend-config=region=eu-west-1",
			"-backend-config=encrypt=true", "-backend-config=use_lockfile=true", "-backend-config=use_path_style=true"},
		{"plan", "-no-color", "-input=false", "-detailed-exitcode", "-lock-timeout=90s", "-out=" + plan, varFile, "-lock=true", "-parallelism=10", "-refresh=true", "-var", "environment=prod", "-json"},
		{"apply", "-no-color", "-auto-approve", "-input=false", "-lock-timeout=90s", varFile, "-lock=true", "-parallelism=10", "-refresh=true", "-refresh-only", "-var", "environment=prod"},
		{"apply", "-no-color", "-auto-approve", "-input=false", "-lock-timeout=90s", "-lock=true", "-parallelism=10", "-refresh=true", plan},
		{"plan", "-no-color", "-input=false", "-detailed-exitcode", "-lock-timeout=90s", "-out=" + plan, varFile, "-lock=true", "-parallelism=10", "-refresh=true", "-refresh-only", "-var", "environment=prod"},
	}
	got := rec.argvs(exe)
	if len(got) != len(want) {
		t.Fatalf("%d commands, want %d:\n%s", len(got), len(want), strings.Join(rec.lines, "\n"))
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("command %d:\n got  %q\n want %q", i, got[i], want[i])
		}
	}
	// A preview under a read-only role takes no lock; nothing else changes.
	noLock := rec2.argvs(exe)
	if len(noLock) == 0 || !slices.Contains(noLock[len(noLock)-1], "-lock=false") || slices.Contains(noLock[len(noLock)-1], "-lock=true") {
		t.Errorf("--no-lock plan: %q", noLock)
	}
}
