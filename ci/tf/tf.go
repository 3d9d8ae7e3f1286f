package tf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/gangway-dev/gangway/ci/envname"
)

// Backend is where an environment's state lives.
type Backend struct {
	// Bucket is the S3 state bucket.
	Bucket string
	// Region is the bucket's region.
	Region string
	// PathStyle selects path-style S3 addressing (needed by emulators).
	PathStyle bool
}

// stateKey returns the state object key of env: gangway/<env>/terraform.tfstate.
func stateKey(env string) string { return "gangway/" + env + "/terraform.tfstate" }

// Config is one environment's Terraform working setup.
type Config struct {
	// Dir is the Terraform configuration directory.
	Dir string
	// Env is the environment (validated with envname).
	Env string
	// Backend holds the state settings.
	Backend Backend
	// LockTimeout is how long to wait for a state lock held by someone else
	// (terraform's -lock-timeout). Zero fails at once.
	LockTimeout time.Duration
	// ExecPath is the terraform binary; empty means "terraform" on PATH.
	ExecPath string
	// Environ is the complete environment of terraform (KEY=VALUE); nil
	// means this process's environment.
	Environ []string
	// Log receives terraform's human-readable output; nil discards it.
	Log io.Writer
	// StateObjects, when set, reads the state's lineage and serial from
	// the S3 backend directly instead of running terraform state pull.
	StateObjects StateObjects
	// StateOwner, when set, is the account that must own the state bucket
	// for those reads (ExpectedBucketOwner).
	StateOwner string
	// Commit is the source revision, recorded in a plan's binding.
	Commit string
	// NoLock plans without taking the state lock: a preview by a role that
	// may only read (it can never be applied by such a role anyway).
	NoLock bool
}

// Runner runs terraform commands for one Config.
type Runner struct {
	cfg Config
	tf  *tfexec.Terraform
	// log is where terraform's human output goes.
	log io.Writer
}

// ErrNoTerraform is returned by New when the terraform binary is missing.
var ErrNoTerraform = errors.New("terraform binary not found")

// New validates cfg and returns a Runner. It fails before any side effect on
// a bad environment name, a missing configuration directory, a missing
// backend bucket or region, or a missing terraform binary.
func New(cfg Config) (*Runner, error) {
	if err := envname.Validate(cfg.Env); err != nil {
		return nil, err
	}
	if cfg.Backend.Bucket == "" {
		return nil, errors.New("no state bucket: set --state-bucket or TF_STATE_BUCKET")
	}
	if cfg.Backend.Region == "" {
		return nil, errors.New("no region for the state bucket: set --region or AWS_REGION")
	}
	if fi, err := os.Stat(cfg.Dir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("terraform configuration directory %q not found: set --dir", cfg.Dir)
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, err
	}
	cfg.Dir = dir
	execPath, err := findTerraform(cfg.ExecPath, cfg.Environ)
	if err != nil {
		return nil, err
	}
	t, err := tfexec.NewTerraform(dir, execPath)
	if err != nil {
		return nil, fmt.Errorf("preparing terraform: %w", err)
	}
	env := envMap(cfg.Environ)
	// One data directory per environment, so that test and prod never
	// share (or reconfigure) each other's backend in one checkout.
	env["TF_DATA_DIR"] = dataDir(dir, cfg.Env)
	if err := t.SetEnv(env); err != nil {
		return nil, fmt.Errorf("preparing terraform environment: %w", err)
	}
	log := cfg.Log
	if log == nil {
		log = io.Discard
	}
	// The JSON that terraform-exec parses goes through stdout too: keep it
	// out of the human log.
	t.SetStdout(&jsonFilter{w: log})
	t.SetStderr(log)
	return &Runner{cfg: cfg, tf: t, log: log}, nil
}

// findTerraform returns path when set, else terraform on the PATH of environ.
func findTerraform(path string, environ []string) (string, error) {
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			return "", fmt.Errorf("%w at %s: install terraform 1.11 or fix --terraform", ErrNoTerraform, path)
		}
		return path, nil
	}
	pathVar := os.Getenv("PATH")
	if environ != nil {
		pathVar = envMap(environ)["PATH"]
	}
	for _, d := range filepath.SplitList(pathVar) {
		p := filepath.Join(d, "terraform")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w on PATH: install terraform 1.11 or set --terraform", ErrNoTerraform)
}

// envMap turns KEY=VALUE pairs into a map, without the variables
// terraform-exec sets itself (it refuses them).
func envMap(environ []string) map[string]string {
	if environ == nil {
		environ = os.Environ()
	}
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if ok {
			m[k] = v
		}
	}
	for _, k := range tfexec.ProhibitedEnv(m) {
		delete(m, k)
	}
	return m
}

// wrap turns a terraform failure into a *LockedError when a lock was held,
// a *ProviderError when the provider could not be installed, and otherwise
// wraps it with what was being done.
func (r *Runner) wrap(doing string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Unwrap(err) == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		// Never ask such an error its text: see stopped.
		return fmt.Errorf("%s: %w", doing, stopped{err})
	}
	if le := parseLocked(err.Error()); le != nil {
		le.Waited = r.cfg.LockTimeout
		le.Err = err
		return le
	}
	if pe := parseProvider(err.Error()); pe != nil {
		pe.Err = err
		return pe
	}
	var ee *exec.Error
	if errors.As(err, &ee) {
		return fmt.Errorf("%s: %w: %w", doing, ErrNoTerraform, err)
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// stopped stands for an error that says only that the context ended. When
// the context ends as terraform exits, terraform-exec returns such an error
// wrapping no error at all, and its Error method then dereferences that nil
// (tfexec's cmdErr). stopped keeps it in the chain, so that errors.Is still
// finds context.Canceled or context.DeadlineExceeded, without its text.
type stopped struct{ err error }

func (s stopped) Error() string { return "stopped as its context ended" }
func (s stopped) Unwrap() error { return s.err }

// ctxErr adds to a failure that the context ended (interrupted or timed
// out), keeping both errors in the chain. No failure stays no failure.
func ctxErr(ctx context.Context, err error) error {
	if err == nil || ctx.Err() == nil {
		return err
	}
	return fmt.Errorf("%w (terraform was interrupted: %w)", err, ctx.Err())
}

// Bucket is the state bucket of the runner's backend.
func (r *Runner) Bucket() string { return r.cfg.Backend.Bucket }
