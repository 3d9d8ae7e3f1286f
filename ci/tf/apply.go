package tf

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// applyOptions builds the options of terraform apply of planFile.
func (r *Runner) applyOptions(planFile string) []tfexec.ApplyOption {
	return []tfexec.ApplyOption{
		tfexec.DirOrPlan(planFile),
		tfexec.Lock(true),
		tfexec.LockTimeout(lockTimeoutArg(r.cfg.LockTimeout)),
	}
}

// settleOptions builds the options of the refresh-only apply of settle. It
// always takes the lock, like applyOptions: Config.NoLock is for previews.
func (r *Runner) settleOptions() []tfexec.ApplyOption {
	opts := []tfexec.ApplyOption{
		tfexec.RefreshOnly(true),
		tfexec.Var("environment=" + r.cfg.Env),
		tfexec.Lock(true),
		tfexec.LockTimeout(lockTimeoutArg(r.cfg.LockTimeout)),
	}
	if vf := r.varFile(); vf != "" {
		opts = append(opts, tfexec.VarFile(vf))
	}
	return opts
}

// ApplyResult is the state an apply left.
type ApplyResult struct {
	PlanFile string
	Before   State
	After    State
	// SettleError says why the state could not record what the apply left
	// live (see settle); the apply itself succeeded.
	SettleError string
}

// settle records in the state what an apply left live, by a refresh-only
// apply: attributes that later resources changed after a resource was made
// (an address's association, a group's rules made as separate resources, a
// bucket's separately managed settings). Without it the state keeps their
// values from creation, and the next drift check reports Terraform's own
// work as drift. It accepts no other change: anything the plan's refresh saw
// was already written by the apply.
func (r *Runner) settle(ctx context.Context) error {
	if err := r.tf.Apply(ctx, r.settleOptions()...); err != nil {
		return ctxErr(ctx, r.wrap("terraform apply -refresh-only", err))
	}
	return nil
}

// Apply applies exactly planFile after checking its Binding against the
// environment, the plan file's digest and the current state. A refusal is a
// *RefusedError and changes nothing.
func (r *Runner) Apply(ctx context.Context, planFile string) (*ApplyResult, error) {
	if planFile == "" {
		return nil, errNoPlan
	}
	planFile, err := filepath.Abs(planFile)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(planFile); err != nil {
		return nil, fmt.Errorf("plan file: %w", err)
	}
	b, err := ReadBinding(planFile)
	if err != nil {
		return nil, err
	}
	if err := b.CheckTarget(r.cfg.Env, r.cfg.Backend); err != nil {
		return nil, err
	}
	if err := b.CheckPlanFile(planFile); err != nil {
		return nil, err
	}
	if err := r.Init(ctx); err != nil {
		return nil, err
	}
	current, err := r.PullState(ctx)
	if err != nil {
		return nil, err
	}
	if err := b.CheckState(current); err != nil {
		return nil, err
	}
	// Terraform also refuses a stale plan on an existing state under the
	// lock; the check above adds the empty-state case and a clear reason.
	if err := r.tf.Apply(ctx, r.applyOptions(planFile)...); err != nil {
		return nil, ctxErr(ctx, r.wrap("terraform apply", err))
	}
	res := &ApplyResult{PlanFile: planFile, Before: current}
	if err := r.settle(ctx); err != nil {
		res.SettleError = err.Error()
	}
	if res.After, err = r.PullState(ctx); err != nil {
		return nil, err
	}
	return res, nil
}

// PlanAndApply plans to a temporary file and applies exactly that plan,
// with the same checks as Apply.
func (r *Runner) PlanAndApply(ctx context.Context) (*PlanResult, *ApplyResult, error) {
	dir, err := os.MkdirTemp("", "gangway-plan-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	p, err := r.Plan(ctx, filepath.Join(dir, r.cfg.Env+".tfplan"))
	if err != nil {
		return nil, nil, err
	}
	a, err := r.Apply(ctx, p.PlanFile)
	return p, a, err
}
