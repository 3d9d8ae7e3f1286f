package localflow

// The emulated AWS accounts, one per environment as the README recommends:
// each is bootstrapped once, as a newcomer bootstraps theirs (the real
// terraform/bootstrap, with an administrator's credentials), and then runs
// with IAM enforced, so that every later step works under the role its
// workflow job assumes, obtained with AssumeRoleWithWebIdentity as GitHub's
// OIDC token obtains it. What moto does and does not enforce: ci/README.md,
// "What the emulator enforces".

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/gangway-dev/gangway/ci/awsenv"
	"github.com/gangway-dev/gangway/ci/envname"
	"github.com/gangway-dev/gangway/ci/localworld"
	"github.com/gangway-dev/gangway/ci/tf"
	"github.com/gangway-dev/gangway/internal/components"
)

// accountIDs are the emulated accounts: test and prod in separate accounts.
var accountIDs = map[string]string{"test": "111111111111", "prod": "222222222222"}

// githubEnvironments map each pipeline environment to the GitHub
// environment its deploy job runs in (the bootstrap's `environments`).
var githubEnvironments = map[string]string{"test": "test", "prod": "production"}

// githubRepository is the repository the bootstrap's roles trust.
const githubRepository = "example-org/gangway"

// role is which of an environment's bootstrap roles a step runs under.
type role string

// The roles the workflows' jobs assume (vars.AWS_ROLE_ARN,
// vars.AWS_PLAN_ROLE_ARN, vars.PROD_PLAN_ROLE_ARN) and the host's
// instance role.
const (
	deployRole    role = "deploy"
	planRole      role = "plan"
	hostRole      role = "host"
	administrator role = "admin"
)

// adminRole, the administrator's role, stands for the account's administrator, who bootstraps it on
// AWS and, in the local flow, plays RDS and the hand that changes prod
// behind Terraform's back. The world adds it to its copy of the bootstrap
// (worldAdminTF), since with IAM enforced moto serves no other identity.
const adminRole = "local-administrator"

// worldAdminTF is the administrator role, written beside the copied
// bootstrap: the only addition the local world makes to it.
const worldAdminTF = `# Added by the local world (ci/localflow): the account's administrator,
# the identity that bootstraps an AWS account. Not part of terraform/bootstrap.
resource "aws_iam_role" "local_world_admin" {
  name = "` + adminRole + `"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${local.account_id}:root" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "local_world_admin" {
  name = "administrator"
  role = aws_iam_role.local_world_admin.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}
`

// roleARN is the ARN of env's role r (gangway-ENV-deploy, -plan, -host,
// or the administrator's).
func roleARN(env string, r role) string {
	name := "gangway-" + env + "-" + string(r)
	if r == administrator {
		name = adminRole
	}
	return "arn:aws:iam::" + accountIDs[env] + ":role/" + name
}

// oidcToken has the shape of the token GitHub's OIDC issues to env's
// deploy job (moto checks neither its signature nor its claims; AWS
// checks both against the bootstrap's trust policies).
func oidcToken(env string) string {
	enc := base64.RawURLEncoding.EncodeToString
	claims, _ := json.Marshal(map[string]string{
		"iss": "https://token.actions.githubusercontent.com",
		"sub": "repo:" + githubRepository + ":environment:" + githubEnvironments[env],
		"aud": "sts.amazonaws.com",
	})
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc(claims) + "." + enc([]byte("local"))
}

// writeTokens writes each environment's OIDC token where
// AWS_WEB_IDENTITY_TOKEN_FILE points, as the workflows' credentials action
// does, once per run.
func (f *flow) writeTokens() error {
	f.tokens = map[string]string{}
	for _, env := range envname.Known {
		path := filepath.Join(f.opts.Dir, "world", "oidc-token-"+env)
		if err := os.WriteFile(path, []byte(oidcToken(env)), 0o600); err != nil {
			return fmt.Errorf("writing the %s OIDC token: %w", env, err)
		}
		f.tokens[env] = path
	}
	return nil
}

// stepEnv is the environment of a step run in env's account under role r:
// the web identity the workflow's job assumes, and no static keys.
func (f *flow) stepEnv(env string, r role) map[string]string {
	return map[string]string{
		"AWS_ENDPOINT_URL": f.world.state.Motos[env].Endpoint,
		// Terraform's S3 backend assumes the web identity at STS's own
		// endpoint unless told.
		"AWS_ENDPOINT_URL_STS":        f.world.state.Motos[env].Endpoint,
		"AWS_ROLE_ARN":                roleARN(env, r),
		"AWS_WEB_IDENTITY_TOKEN_FILE": f.tokens[env],
		"AWS_ROLE_SESSION_NAME":       "local-" + env + "-" + string(r),
	}
}

// awsConfig is an AWS configuration for env's account under role r,
// assumed with a web identity.
func (f *flow) awsConfig(ctx context.Context, env string, r role) (aws.Config, error) {
	if r == administrator {
		f.usedAsWorld(env)
	}
	return assume(ctx, f.world.state.Motos[env].Endpoint, env, r)
}

// usedAsWorld records that the world itself used env's administrator in the
// running stage.
func (f *flow) usedAsWorld(env string) {
	f.worldRoles = appendNew(f.worldRoles, roleARN(env, administrator))
}

// appendNew appends s to list unless list holds it already.
func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func assume(ctx context.Context, endpoint, env string, r role) (aws.Config, error) {
	s := awsenv.Settings{Region: region, Endpoint: endpoint}
	return awsenv.AssumeWebIdentity(ctx, s, roleARN(env, r), []byte(oidcToken(env)))
}

// region is the local world's one region.
const region = "us-east-1"

// bootstrapAccounts applies terraform/bootstrap, with the administrator's
// credentials, in every account of the world not bootstrapped yet (the
// accounts are independent, so in parallel), and turns IAM enforcement on
// in all of them. It returns the environments whose accounts it set out to
// bootstrap, also when that failed.
func (w *world) bootstrapAccounts(ctx context.Context, root, cliConfig string, logf func(string, ...any)) ([]string, error) {
	var todo []string
	for _, env := range envname.Known {
		if w.state.Motos[env].Account == "" {
			todo = append(todo, env)
		}
	}
	start := time.Now()
	errs := make([]error, len(todo))
	var wg sync.WaitGroup
	var inits sync.Mutex // terraform's plugin cache is not safe for concurrent inits
	for i, env := range todo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.bootstrapAccount(ctx, root, cliConfig, env, &inits)
		}()
	}
	wg.Wait()
	hint := ""
	if w.state.Runs > 0 {
		hint = " (a world kept by an older version has accounts it cannot bootstrap: remove it with pipeline-local --down)"
	}
	for i, env := range todo {
		if errs[i] != nil {
			errs[i] = fmt.Errorf("bootstrapping the %s account %s%s: %w", env, accountIDs[env], hint, errs[i])
			continue
		}
		m := w.state.Motos[env]
		m.Account = accountIDs[env]
		w.state.Motos[env] = m
		logf("world: terraform/bootstrap applied in the %s account %s", env, m.Account)
	}
	if len(todo) > 0 {
		logf("world: bootstrapped %d account(s) in %.0fs", len(todo), time.Since(start).Seconds())
	}
	if err := errors.Join(append(errs, w.save())...); err != nil {
		return todo, err
	}
	return todo, w.enforceIAM(ctx)
}

// enforceIAM turns IAM enforcement on in every account.
func (w *world) enforceIAM(ctx context.Context) error {
	for _, env := range envname.Known {
		m := &components.Moto{Endpoint: w.state.Motos[env].Endpoint}
		if err := m.EnforceIAM(ctx, true); err != nil {
			return fmt.Errorf("the %s account: %w", env, err)
		}
	}
	return nil
}

// bootstrapVars are the bootstrap's variables in env's account: its
// environment, the state bucket, and for prod the test repository it
// promotes from, in test's account.
func bootstrapVars(env string) []string {
	envs, _ := json.Marshal(map[string]string{env: githubEnvironments[env]})
	vars := []string{
		"-var", "state_bucket_name=" + stateBucket,
		"-var", "github_repository=" + githubRepository,
		"-var", "environments=" + string(envs),
		"-var", "region=" + region,
	}
	if env == "prod" {
		vars = append(vars, "-var", "promotion_source_repository_arn=arn:aws:ecr:"+region+":"+accountIDs["test"]+":repository/gangway-test")
	}
	return vars
}

// bootstrapAccount applies a copy of terraform/bootstrap (with the
// administrator role added) in env's account. Its state stays in the copy,
// as a newcomer's first apply keeps it before moving it to the bucket.
func (w *world) bootstrapAccount(ctx context.Context, root, cliConfig, env string, inits *sync.Mutex) error {
	dir := filepath.Join(w.dir, "world", "bootstrap-"+env)
	conf, err := localworld.CopyBootstrap(filepath.Join(root, "terraform"), dir)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(conf, "local_world_admin.tf"), []byte(worldAdminTF), 0o644); err != nil {
		return err
	}
	endpoint := w.state.Motos[env].Endpoint
	// Before enforcement moto answers for a role that does not exist yet,
	// in any account: the administrator before the account has roles.
	cfg, err := assume(ctx, endpoint, env, administrator)
	if err != nil {
		return err
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return err
	}
	var environ []string
	for _, k := range tf.HostVars { // its AWS settings are the administrator's
		if v := os.Getenv(k); v != "" {
			environ = append(environ, k+"="+v)
		}
	}
	environ = append(environ,
		"TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1", "AWS_EC2_METADATA_DISABLED=true",
		"TF_DATA_DIR="+filepath.Join(conf, ".terraform"),
		"AWS_ENDPOINT_URL="+endpoint, "AWS_REGION="+region, "AWS_DEFAULT_REGION="+region,
		"AWS_ACCESS_KEY_ID="+creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+creds.SecretAccessKey, "AWS_SESSION_TOKEN="+creds.SessionToken,
	)
	if cliConfig != "" {
		environ = append(environ, "TF_CLI_CONFIG_FILE="+cliConfig)
	}
	log, err := os.Create(filepath.Join(dir, "terraform.log"))
	if err != nil {
		return err
	}
	defer log.Close()
	run := func(args ...string) error {
		cmd := exec.CommandContext(ctx, "terraform", append([]string{"-chdir=" + conf}, args...)...)
		cmd.Env, cmd.Stdout, cmd.Stderr = environ, log, log
		// Interrupted, terraform writes its state before it exits.
		cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
		cmd.WaitDelay = 30 * time.Second
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("terraform %s of the bootstrap: %w (its log: %s)", args[0], err, log.Name())
		}
		return nil
	}
	inits.Lock()
	err = run("init", "-no-color", "-input=false")
	inits.Unlock()
	if err != nil {
		return err
	}
	return run(append([]string{"apply", "-no-color", "-input=false", "-auto-approve", "-lock=false"}, bootstrapVars(env)...)...)
}
