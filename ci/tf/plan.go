package tf

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// varFile returns the environment's variable file relative to the
// configuration, or "" when the configuration has none.
func (r *Runner) varFile() string {
	rel := filepath.Join("env", r.cfg.Env+".tfvars")
	if _, err := os.Stat(filepath.Join(r.cfg.Dir, rel)); err != nil {
		return ""
	}
	return rel
}

// planOptions builds the options of terraform plan writing to out.
func (r *Runner) planOptions(out string) []tfexec.PlanOption {
	opts := []tfexec.PlanOption{
		tfexec.Out(out),
		tfexec.Var("environment=" + r.cfg.Env),
		tfexec.Lock(!r.cfg.NoLock),
		tfexec.LockTimeout(lockTimeoutArg(r.cfg.LockTimeout)),
	}
	if vf := r.varFile(); vf != "" {
		opts = append(opts, tfexec.VarFile(vf))
	}
	return opts
}

// PlanResult is what Plan made.
type PlanResult struct {
	// HasChanges is true when applying the plan would change resources or
	// outputs (terraform plan -detailed-exitcode's 2).
	HasChanges bool
	Summary    Summary
	Binding    Binding
	PlanFile   string
}

// Plan initialises the working directory when it needs it, plans to out (a
// path; relative paths are taken from the current directory), summarises
// the plan from terraform's own stream and writes its Binding beside it,
// bound to the state snapshot the plan file records.
func (r *Runner) Plan(ctx context.Context, out string) (*PlanResult, error) {
	out, err := filepath.Abs(out)
	if err != nil {
		return nil, err
	}
	if err := r.Init(ctx); err != nil {
		return nil, err
	}
	stream := newPlanStream(r.log)
	hasChanges, err := r.tf.PlanJSON(ctx, stream, r.planOptions(out)...)
	// PlanJSON keeps its writer as terraform's stdout: put the log back.
	r.tf.SetStdout(&jsonFilter{w: r.log})
	if err != nil {
		_ = os.Remove(out)
		return nil, ctxErr(ctx, r.wrap("terraform plan", stream.withDiagnostics(err)))
	}
	before, err := planFileState(out)
	if err != nil {
		return nil, err
	}
	sum, err := fileSHA256(out)
	if err != nil {
		return nil, fmt.Errorf("hashing the plan file: %w", err)
	}
	b := Binding{
		Env:        r.cfg.Env,
		Bucket:     r.cfg.Backend.Bucket,
		Key:        stateKey(r.cfg.Env),
		State:      before,
		PlanSHA256: sum,
		CreatedAt:  time.Now().UTC().Truncate(time.Second),
		Commit:     r.cfg.Commit,
	}
	if err := WriteBinding(out, b); err != nil {
		return nil, err
	}
	return &PlanResult{HasChanges: hasChanges, Summary: stream.summary(), Binding: b, PlanFile: out}, nil
}

// errNoPlan is returned by Apply for an empty plan path.
var errNoPlan = errors.New("no plan file given")
