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

// commandLines runs, against a terraform stand-in, every terraform command
// the runner of cfg makes: init, plan, the refresh-only apply that settles
// an apply, the apply of a plan and the refresh-only plan of a drift check.
// It returns their argument lists, in that order, and the plan file.
func commandLines(t *testing.T, cfg Config, files ...string) ([][]string, string) {
	t.Helper()
	exe, _ := fakeTerraform(t)
	cfg.Dir = t.TempDir()
	for _, name := range append([]string{"main.tf"}, files...) {
		path := filepath.Join(cfg.Dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("# "+name+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg.ExecPath, cfg.Environ = exe, []string{"PATH=/usr/bin:/bin"}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	r.tf.SetLogger(rec)
	ctx := context.Background()
	plan := filepath.Join(t.TempDir(), cfg.Env+".tfplan")
	if err := r.Init(ctx); err != nil {
		t.Fatalf("Init: %v", err)
	}
	// The stand-in fails everything but init: only the command lines count.
	_, _ = r.Plan(ctx, plan) // initialised already: no second init
	_ = r.settle(ctx)
	_ = r.tf.Apply(ctx, r.applyOptions(plan)...)
	_, _ = r.tf.Plan(ctx, r.driftOptions(plan)...)
	return rec.argvs(exe), plan
}

// TestExactCommandLines holds every terraform command the runner makes to
// its exact arguments, as terraform-exec's own tests hold theirs, for each
// environment beside the other's variable file: a flipped -lock, another
// environment's variables, key or variable file, a lost -lock-timeout or
// -refresh-only, or a preview's -lock=false reaching an apply fails here.
func TestExactCommandLines(t *testing.T) {
	t.Parallel()
	both := []string{"env/test.tfvars", "env/prod.tfvars"}
	cases := []struct {
		name  string
		cfg   Config
		files []string
		// want is the argv of init, plan, settle, apply and drift; PLAN
		// stands for the plan file.
		want [][]string
	}{
		{
			name:  "prod",
			cfg:   Config{Env: "prod", Backend: Backend{Bucket: "state-b", Region: "eu-west-1", PathStyle: true}, LockTimeout: 90 * time.Second},
			files: both,
			want: [][]string{
				{"init", "-no-color", "-input=false", "-backend=true", "-get=true", "-upgrade=false", "-reconfigure",
					"-backend-config=bucket=state-b", "-backend-config=key=gangway/prod/terraform.tfstate", "-backend-config=region=eu-west-1",
					"-backend-config=encrypt=true", "-backend-config=use_lockfile=true", "-backend-config=use_path_style=true"},
				{"plan", "-no-color", "-input=false", "-detailed-exitcode", "-lock-timeout=90s", "-out=PLAN", "-var-file=env/prod.tfvars",
					"-lock=true", "-parallelism=10", "-refresh=true", "-var", "environment=prod", "-json"},
				{"apply", "-no-color", "-auto-approve", "-input=false", "-lock-timeout=90s", "-var-file=env/prod.tfvars",
					"-lock=true", "-parallelism=10", "-refresh=true", "-refresh-only", "-var", "environment=prod"},
				{"apply", "-no-color", "-auto-approve", "-input=false", "-lock-timeout=90s", "-lock=true", "-parallelism=10", "-refresh=true", "PLAN"},
				{"plan", "-no-color", "-input=false", "-detailed-exitcode", "-lock-timeout=90s", "-out=PLAN", "-var-file=env/prod.tfvars",
					"-lock=true", "-parallelism=10", "-refresh=true", "-refresh-only", "-var", "environment=prod"},
			},
		},
		{
			// A preview under a read-only role plans without the lock; an
			// apply always takes it. No lock timeout still waits 1s.
			name:  "test preview without the lock",
			cfg:   Config{Env: "test", Backend: Backend{Bucket: "state-t", Region: "us-east-1"}, NoLock: true},
			files: both,
			want: [][]string{
				{"init", "-no-color", "-input=false", "-backend=true", "-get=true", "-upgrade=false", "-reconfigure",
					"-backend-config=bucket=state-t", "-backend-config=key=gangway/test/terraform.tfstate", "-backend-config=region=us-east-1",
					"-backend-config=encrypt=true", "-backend-config=use_lockfile=true"},
				{"plan", "-no-color", "-input=false", "-detailed-exitcode", "-lock-timeout=1s", "-out=PLAN", "-var-file=env/test.tfvars",
					"-lock=false", "-parallelism=10", "-refresh=true", "-var", "environment=test", "-json"},
				{"apply", "-no-color", "-auto-approve", "-input=false", "-lock-timeout=1s", "-var-file=env/test.tfvars",
					"-lock=true", "-parallelism=10", "-refresh=true", "-refresh-only", "-var", "environment=test"},
				{"apply", "-no-color", "-auto-approve", "-input=false", "-lock-timeout=1s", "-lock=true", "-parallelism=10", "-refresh=true", "PLAN"},
				{"plan", "-no-color", "-input=false", "-detailed-exitcode", "-lock-timeout=1s", "-out=PLAN", "-var-file=env/test.tfvars",
					"-lock=false", "-parallelism=10", "-refresh=true", "-refresh-only", "-var", "environment=test"},
			},
		},
		{
			// Only prod has a variable file: test takes none, not prod's.
			name:  "test without a variable file",
			cfg:   Config{Env: "test", Backend: Backend{Bucket: "state-t", Region: "us-east-1"}, LockTimeout: 5 * time.Minute},
			files: []string{"env/prod.tfvars"},
			want: [][]string{
				{"init", "-no-color", "-input=false", "-backend=true", "-get=true", "-upgrade=false", "-reconfigure",
					"-backend-config=bucket=state-t", "-backend-config=key=gangway/test/terraform.tfstate", "-backend-config=region=us-east-1",
					"-backend-config=encrypt=true", "-backend-config=use_lockfile=true"},
				{"plan", "-no-color", "-input=false", "-detailed-exitcode", "-lock-timeout=300s", "-out=PLAN",
					"-lock=true", "-parallelism=10", "-refresh=true", "-var", "environment=test", "-json"},
				{"apply", "-no-color", "-auto-approve", "-input=false", "-lock-timeout=300s",
					"-lock=true", "-parallelism=10", "-refresh=true", "-refresh-only", "-var", "environment=test"},
				{"apply", "-no-color", "-auto-approve", "-input=false", "-lock-timeout=300s", "-lock=true", "-parallelism=10", "-refresh=true", "PLAN"},
				{"plan", "-no-color", "-input=false", "-detailed-exitcode", "-lock-timeout=300s", "-out=PLAN",
					"-lock=true", "-parallelism=10", "-refresh=true", "-refresh-only", "-var", "environment=test"},
			},
		},
	}
	names := []string{"init", "plan", "settle (refresh-only apply)", "apply of the plan", "drift (refresh-only plan)"}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, plan := commandLines(t, tc.cfg, tc.files...)
			if len(got) != len(tc.want) {
				t.Fatalf("%d commands, want %d:\n%q", len(got), len(tc.want), got)
			}
			for i, want := range tc.want {
				want = slices.Clone(want)
				for j, a := range want {
					// terraform-exec runs terraform in the configuration
					// directory, so the variable file stays relative; the
					// plan file is absolute.
					want[j] = strings.ReplaceAll(a, "PLAN", plan)
				}
				if !slices.Equal(got[i], want) {
					t.Errorf("%s:\n got  %q\n want %q", names[i], got[i], want)
				}
			}
		})
	}
}
