package cli

// Helpers shared by the infrastructure subcommands (plan, apply, outputs,
// bootstrap, ecr-login, promote): AWS settings, the credential check, the
// terraform runner and its environment.

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gangway-dev/gangway/ci/awsenv"
	"github.com/gangway-dev/gangway/ci/envname"
	"github.com/gangway-dev/gangway/ci/reporoot"
	"github.com/gangway-dev/gangway/ci/tf"
)

// awsFlags are the AWS settings every AWS-facing subcommand takes.
type awsFlags struct {
	region string
}

func (f *awsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.region, "region", "", "AWS region (default $AWS_REGION)")
}

// registerEnv declares --env, the environment a command acts on, with what
// it is for; each command's run checks it with envname.Validate.
func registerEnv(fs *flag.FlagSet, env *string, what string) {
	fs.StringVar(env, "env", "", what+": "+strings.Join(envname.Known, " or ")+" (required)")
}

// awsSession is a loaded AWS configuration whose credentials STS accepted.
type awsSession struct {
	settings awsenv.Settings
	cfg      aws.Config
	identity awsenv.Identity
}

// connectAWS loads the AWS configuration and checks the credentials with STS
// before anything else is called. Missing or rejected credentials and a
// missing region are bad input (exit 2).
func connectAWS(ctx context.Context, sys IO, f awsFlags) (*awsSession, error) {
	s := awsenv.FromEnv(sys.Getenv, f.region)
	cfg, err := awsenv.Load(ctx, sys.Getenv, s)
	if errors.Is(err, awsenv.ErrNoRegion) {
		return nil, &UsageError{Err: err}
	}
	if err != nil {
		return nil, err
	}
	id, err := awsenv.CheckIdentity(ctx, cfg)
	var ce *awsenv.CredentialsError
	if errors.As(err, &ce) {
		return nil, &UsageError{Err: err}
	}
	if err != nil {
		return nil, err
	}
	sys.Log.Info("AWS credentials accepted", "account", id.Account, "arn", id.ARN, "region", s.Region)
	return &awsSession{settings: s, cfg: cfg, identity: id}, nil
}

// tfFlags are the flags of the terraform subcommands.
type tfFlags struct {
	aws         awsFlags
	env         string
	dir         string
	stateBucket string
	lockTimeout time.Duration
	terraform   string
	commit      string
	noLock      bool
}

func (f *tfFlags) register(fs *flag.FlagSet) {
	f.aws.register(fs)
	registerEnv(fs, &f.env, "environment")
	fs.StringVar(&f.dir, "dir", "", "terraform configuration directory (default: terraform/ at the repository root)")
	fs.StringVar(&f.stateBucket, "state-bucket", "", "S3 state bucket (default $TF_STATE_BUCKET, else gangway-tfstate-<account>-<region>)")
	fs.DurationVar(&f.lockTimeout, "lock-timeout", 5*time.Minute, "how long to wait for a state lock held by another run before failing (never broken)")
	fs.StringVar(&f.terraform, "terraform", "", "terraform binary (default: terraform on $PATH)")
	fs.StringVar(&f.commit, "commit", "", "the source revision being planned or applied (recorded in a plan's binding; a reviewed plan is applied only under the same commit)")
}

// validate checks what can be checked before any call: the environment
// name and the configuration directory (default: terraform/ in the
// repository holding workDir).
func (f *tfFlags) validate(workDir string) error {
	if err := envname.Validate(f.env); err != nil {
		return &UsageError{Err: err}
	}
	if f.dir == "" {
		root, err := reporoot.Find(cmp.Or(workDir, "."))
		if err != nil {
			return &UsageError{Err: fmt.Errorf("%w: set --dir", err)}
		}
		f.dir = filepath.Join(root, "terraform")
	}
	if fi, err := os.Stat(f.dir); err != nil || !fi.IsDir() {
		return usagef("terraform configuration directory %s not found: set --dir", f.dir)
	}
	if f.lockTimeout < 0 {
		return usagef("--lock-timeout must not be negative")
	}
	return nil
}

// runner validates the flags, checks AWS credentials and returns a
// terraform runner for the environment.
func (f *tfFlags) runner(ctx context.Context, sys IO) (*tf.Runner, *awsSession, error) {
	if err := f.validate(sys.Dir); err != nil {
		return nil, nil, err
	}
	sess, err := connectAWS(ctx, sys, f.aws)
	if err != nil {
		return nil, nil, err
	}
	bucket, err := f.bucket(sys, sess)
	if err != nil {
		return nil, nil, err
	}
	r, err := tf.New(tf.Config{
		Dir:          f.dir,
		Env:          f.env,
		Backend:      tf.Backend{Bucket: bucket, Region: sess.settings.Region, PathStyle: sess.settings.Emulated()},
		LockTimeout:  f.lockTimeout,
		ExecPath:     f.terraform,
		Environ:      terraformEnviron(sys.Getenv, sess.settings),
		Log:          sys.Stderr,
		StateObjects: sess.s3(),
		StateOwner:   sess.identity.Account,
		Commit:       f.commit,
		NoLock:       f.noLock,
	})
	if err != nil {
		return nil, nil, &UsageError{Err: err}
	}
	return r, sess, nil
}

// bucket is the state bucket (see stateBucket).
func (f *tfFlags) bucket(sys IO, sess *awsSession) (string, error) {
	return stateBucket(sys, sess, f.stateBucket)
}

// s3 is an S3 client for the session (path-style against an emulator).
// Objects are checked by their own digests (state lineage, plan bundles),
// so the SDK need not log each response that carries no checksum (moto's).
func (s *awsSession) s3() *s3.Client {
	return s3.NewFromConfig(s.cfg, func(o *s3.Options) {
		o.UsePathStyle = s.settings.Emulated()
		o.DisableLogOutputChecksumValidationSkipped = true
	})
}

// passedToTerraform are the variables terraform and its AWS provider may
// need from our environment: the host's, and the pipeline's AWS settings;
// nothing else is passed.
var passedToTerraform = slices.Concat(tf.HostVars, []string{
	"TF_CLI_CONFIG_FILE", "CHECKPOINT_DISABLE",
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
	"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_EC2_METADATA_DISABLED", "AWS_CA_BUNDLE",
	"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_STS",
})

// terraformEnviron is terraform's whole environment.
func terraformEnviron(getenv func(string) string, s awsenv.Settings) []string {
	var env []string
	for _, k := range passedToTerraform {
		if v := getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	env = append(env, "AWS_REGION="+s.Region, "AWS_DEFAULT_REGION="+s.Region, "CHECKPOINT_DISABLE=1")
	return env
}

// outputs reads the environment's outputs contract, after the checks of
// runner; a terraform failure is reported as tfFailure reports it.
func (f *tfFlags) outputs(ctx context.Context, sys IO) (tf.Outputs, *awsSession, error) {
	r, sess, err := f.runner(ctx, sys)
	if err != nil {
		return tf.Outputs{}, nil, err
	}
	outs, err := r.Outputs(ctx)
	if err != nil {
		return tf.Outputs{}, nil, tfFailure(sys, f.env, err)
	}
	return outs, sess, nil
}

// tfFailure prints the machine-readable side of a terraform failure on
// stdout (a held lock, a refused plan) and returns err.
func tfFailure(sys IO, env string, err error) error {
	var le *tf.LockedError
	var re *tf.RefusedError
	switch {
	case errors.As(err, &le):
		_ = writeJSON(sys.Stdout, map[string]any{"env": env, "error": "state_locked", "lock": map[string]string{
			"id": le.ID, "who": le.Who, "operation": le.Operation, "created": le.Created, "path": le.Path,
		}, "waited": le.Waited.String()})
	case errors.As(err, &re):
		_ = writeJSON(sys.Stdout, map[string]any{"env": env, "error": "plan_refused", "reason": re.Reason})
	}
	var pe *tf.ProviderError
	if errors.As(err, &pe) {
		return &UsageError{Err: err}
	}
	return err
}
