package tf

import (
	"context"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// backendConfig returns the -backend-config settings of one environment.
// The lock is S3's native lock file next to the state (use_lockfile).
func backendConfig(b Backend, env string) []string {
	out := []string{
		"bucket=" + b.Bucket,
		"key=" + StateKey(env),
		"region=" + b.Region,
		"encrypt=true",
		"use_lockfile=true",
	}
	if b.PathStyle {
		out = append(out, "use_path_style=true")
	}
	return out
}

// initOptions builds the options of terraform init.
func (r *Runner) initOptions() []tfexec.InitOption {
	opts := []tfexec.InitOption{
		// Backend settings come from flags every time; never migrate a state
		// from whatever the data directory remembered.
		tfexec.Reconfigure(true),
		tfexec.Upgrade(false),
	}
	for _, kv := range backendConfig(r.cfg.Backend, r.cfg.Env) {
		opts = append(opts, tfexec.BackendConfig(kv))
	}
	return opts
}

// Init runs terraform init with the environment's backend settings.
func (r *Runner) Init(ctx context.Context) error {
	return ctxErr(ctx, r.wrap("terraform init", r.tf.Init(ctx, r.initOptions()...)))
}

// lockTimeoutArg formats d for -lock-timeout (whole seconds, at least 1s).
func lockTimeoutArg(d time.Duration) string {
	s := int(d.Seconds())
	if s < 1 {
		s = 1
	}
	return strconv.Itoa(s) + "s"
}
