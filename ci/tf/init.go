package tf

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// backendConfig returns the -backend-config settings of one environment.
// The lock is S3's native lock file next to the state (use_lockfile).
func backendConfig(b Backend, env string) []string {
	out := []string{
		"bucket=" + b.Bucket,
		"key=" + stateKey(env),
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

// Init runs terraform init with the environment's backend settings, unless
// the data directory was initialised with exactly these settings, this
// terraform binary and this configuration and lock file: then init would
// change nothing, and skipping it saves a second or two on every step.
func (r *Runner) Init(ctx context.Context) error {
	key, keyErr := r.initKey()
	marker := filepath.Join(r.dataDir(), initMarker)
	if keyErr == nil {
		if have, err := os.ReadFile(marker); err == nil && string(have) == key && r.initialised() {
			return nil
		}
	}
	_ = os.Remove(marker)
	if err := r.tf.Init(ctx, r.initOptions()...); err != nil {
		return ctxErr(ctx, r.wrap("terraform init", err))
	}
	if keyErr == nil {
		// Best effort: without the marker the next step initialises again.
		_ = os.WriteFile(marker, []byte(key), 0o644)
	}
	return nil
}

// initMarker, in the data directory, records what the last successful
// init was made from.
const initMarker = "gangway-init.sha256"

// dataDir is env's TF_DATA_DIR in the configuration directory dir.
func dataDir(dir, env string) string {
	return filepath.Join(dir, ".terraform", "env-"+env)
}

func (r *Runner) dataDir() string { return dataDir(r.cfg.Dir, r.cfg.Env) }

// initialised reports whether the data directory holds what init leaves:
// the backend settings and the installed providers.
func (r *Runner) initialised() bool {
	for _, p := range []string{"terraform.tfstate", "providers"} {
		if _, err := os.Stat(filepath.Join(r.dataDir(), p)); err != nil {
			return false
		}
	}
	return true
}

// initKey digests everything an init depends on: the backend settings, the
// terraform binary, the lock file and every configuration file (module
// sources and required providers live there).
func (r *Runner) initKey() (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "backend %q\n", backendConfig(r.cfg.Backend, r.cfg.Env))
	fi, err := os.Stat(r.tf.ExecPath())
	if err != nil {
		return "", err
	}
	fmt.Fprintf(h, "terraform %s %d %d\n", r.tf.ExecPath(), fi.Size(), fi.ModTime().UnixNano())
	files, err := filepath.Glob(filepath.Join(r.cfg.Dir, "*.tf"))
	if err != nil {
		return "", err
	}
	files = append(files, filepath.Join(r.cfg.Dir, ".terraform.lock.hcl"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// lockTimeoutArg formats d for -lock-timeout (whole seconds, at least 1s).
func lockTimeoutArg(d time.Duration) string {
	s := int(d.Seconds())
	if s < 1 {
		s = 1
	}
	return strconv.Itoa(s) + "s"
}
