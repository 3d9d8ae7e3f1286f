package localflow

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/gangway-dev/gangway/ci/alarm"
	"github.com/gangway-dev/gangway/ci/deploy"
	"github.com/gangway-dev/gangway/ci/history"
	"github.com/gangway-dev/gangway/ci/hostresult"
	"github.com/gangway-dev/gangway/ci/imageref"
	"github.com/gangway-dev/gangway/ci/localworld/simhost"
	"github.com/gangway-dev/gangway/ci/release"
	"github.com/gangway-dev/gangway/ci/rollout"
	"github.com/gangway-dev/gangway/ci/ssmrun"
	"github.com/gangway-dev/gangway/ci/steps"
	"github.com/gangway-dev/gangway/ci/tf"
)

// localSteps runs the deploy sequence's steps on this machine: the pipeline
// CLI in-process (the same command lines as the module's containers), podman
// for the image, the rollout script on the simulated hosts, and go test for
// the suite.
type localSteps struct {
	f *flow
	// role is the role the steps run under: the deploy role unless set
	// (the preview runs under the plan role).
	role role
}

var _ deploy.Steps = localSteps{}

func (s localSteps) tfDir() string { return filepath.Join(s.f.opts.Root, steps.TerraformDir) }

// cli runs one of steps' command lines in-process against env's emulated
// account and decodes its JSON result into v (when v is not nil).
func (s localSteps) cli(ctx context.Context, env string, v any, args []string) error {
	return s.f.step(ctx, env, cmp.Or(s.role, deployRole), v, args[1:]...)
}

func (s localSteps) VerifyTested(ctx context.Context, image imageref.Ref) error {
	return s.cli(ctx, "prod", nil, steps.VerifyTestedArgs(image))
}

func (s localSteps) Plan(ctx context.Context, env string) (tf.PlanOutput, error) {
	dir := filepath.Join(s.f.opts.Dir, "plans")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return tf.PlanOutput{}, err
	}
	args, err := steps.PlanArgs(s.tfDir(), env, filepath.Join(dir, env+".tfplan"), filepath.Join(dir, env+".md"), steps.PlanOptions{})
	if err != nil {
		return tf.PlanOutput{}, err
	}
	var out tf.PlanOutput
	err = s.cli(ctx, env, &out, args)
	return out, err
}

// StorePlan is the prod workflow's plan job: plan env and store the plan
// for the approval, as prod.yml does before its deploy job.
func (s localSteps) StorePlan(ctx context.Context, env, run, commit string) (tf.PlanOutput, error) {
	dir := filepath.Join(s.f.opts.Dir, "plans")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return tf.PlanOutput{}, err
	}
	args, err := steps.PlanArgs(s.tfDir(), env, filepath.Join(dir, env+"-review.tfplan"), filepath.Join(dir, env+"-review.md"), steps.PlanOptions{StoreAs: run, Commit: commit})
	if err != nil {
		return tf.PlanOutput{}, err
	}
	var out tf.PlanOutput
	err = s.f.step(ctx, env, planRole, &out, args[1:]...)
	return out, err
}

func (s localSteps) FetchPlan(ctx context.Context, env string, rp deploy.ReviewedPlan) (tf.PlanOutput, error) {
	args, err := steps.FetchPlanArgs(s.tfDir(), env, rp.Run, rp.SHA256, rp.Commit, filepath.Join(s.f.opts.Dir, "plans", "fetched"))
	if err != nil {
		return tf.PlanOutput{}, err
	}
	var out tf.PlanOutput
	err = s.cli(ctx, env, &out, args)
	return out, err
}

func (s localSteps) Apply(ctx context.Context, plan tf.PlanOutput) (tf.ApplyOutput, error) {
	args, err := steps.ApplyArgs(s.tfDir(), plan.Env, plan.PlanFile)
	if err != nil {
		return tf.ApplyOutput{}, err
	}
	var out tf.ApplyOutput
	err = s.cli(ctx, plan.Env, &out, args)
	return out, err
}

// Outputs reads env's outputs contract, with two seams: the repository URL
// becomes the same repository on the local registry, where images are
// pushed and promoted (ECR's data plane), and app_url the simulated host's
// address (the service's public address).
func (s localSteps) Outputs(ctx context.Context, env string) (tf.Outputs, error) {
	args, err := steps.OutputsArgs(s.tfDir(), env)
	if err != nil {
		return tf.Outputs{}, err
	}
	var raw json.RawMessage
	if err := s.cli(ctx, env, &raw, args); err != nil {
		return tf.Outputs{}, err
	}
	out, err := tf.ParseOutputs(raw)
	if err != nil {
		return out, err
	}
	out.ECRRepositoryURL = s.f.localRepo(out.ECRRepositoryURL)
	out.AppURL = s.f.appURL(env)
	return out, nil
}

func (s localSteps) Publish(ctx context.Context, revision, repository string) (imageref.Ref, error) {
	image, err := buildImage(ctx, s.f.opts.Root, s.f.opts.Dir, revision, s.f.defect(), s.f.command)
	if err != nil {
		return imageref.Ref{}, err
	}
	s.f.images = append(s.f.images, image)
	pushed, err := pushImage(ctx, s.f.opts.Root, s.f.opts.Dir, image, repository, steps.ImageTag(revision, steps.Nonce()), s.f.command)
	if err != nil {
		return imageref.Ref{}, err
	}
	return imageref.Parse(pushed)
}

func (s localSteps) Promote(ctx context.Context, tested imageref.Ref, repository string) (imageref.Ref, error) {
	var res struct {
		Target string `json:"target"`
	}
	if err := s.cli(ctx, "prod", &res, steps.PromoteArgs(tested, repository)); err != nil {
		return imageref.Ref{}, err
	}
	return imageref.Parse(res.Target)
}

// Rollout provisions env's hosts from the outputs (what user data does on
// EC2 at boot, with the RDS seam), records the release in the emulated
// account's SSM parameters as pipeline rollout does, and rolls the fleet
// with ssmrun's Runner, as pipeline rollout does, over the simulated hosts
// instead of SSM (the SSM transport seam): host by host, stopping at the
// first failed one and rolling back those it moved.
func (s localSteps) Rollout(ctx context.Context, env string, image imageref.Ref, out tf.Outputs) (ssmrun.Report, error) {
	f := s.f
	if err := f.provision(ctx, env, out); err != nil {
		return ssmrun.Report{}, fmt.Errorf("provisioning the %s hosts: %w", env, err)
	}
	fleet := simhost.NewFleet(f.hosts[env]...)
	params := func(mode hostresult.Mode, image string) func(*simhost.Host) rollout.Params {
		return func(h *simhost.Host) rollout.Params {
			p := h.Params()
			p.Mode, p.Image = mode, image
			p.Network = containerNetwork
			p.Bake = rollout.DefaultBake(env)
			if f.opts.Bake > 0 {
				p.Bake = f.opts.Bake
			}
			p.CredentialsDir = appCredentialsDir(h)
			return p
		}
	}
	// The local hosts' script (podman, their own ports and paths) is what a
	// local host booting later would run: the first host's is recorded.
	script, err := fleet.Render(params(hostresult.ModeDeploy, image.String()))
	if err != nil {
		return ssmrun.Report{}, err
	}
	back, err := fleet.Render(params(hostresult.ModeRollback, ""))
	if err != nil {
		return ssmrun.Report{}, err
	}
	// pipeline rollout's own calls, under the deploy role.
	deployer, err := f.awsConfig(ctx, env, deployRole)
	if err != nil {
		return ssmrun.Report{}, err
	}
	f.ranAs(env, deployRole)
	opts := []ssmrun.Option{ssmrun.WithTransport(fleet), ssmrun.WithRollbackOnFailure(back)}
	if out.Alarm5xxName != "" {
		// As pipeline rollout: the load balancer's 5xx alarm is checked
		// after each batch (moto's alarms never fire: no metrics here).
		watch, err := alarm.Start(ctx, cloudwatch.NewFromConfig(deployer), out.Alarm5xxName)
		if err != nil {
			return ssmrun.Report{}, fmt.Errorf("%w; nothing was recorded and no host was touched", err)
		}
		watch.Warn = func(msg string, args ...any) { f.logf("warning: %s %v", msg, args) }
		opts = append(opts, ssmrun.WithBatchCheck(watch.Check))
	}
	if err := recordRelease(ctx, deployer, out, image.String(), script); err != nil {
		return ssmrun.Report{}, fmt.Errorf("%w; no host was touched", err)
	}
	logPath := filepath.Join(f.opts.Dir, "rollout-"+env+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return ssmrun.Report{}, err
	}
	defer logFile.Close()
	fleet.Log = logFile
	var ids []string
	for _, h := range f.hosts[env] {
		ids = append(ids, h.ID())
	}
	runner, err := ssmrun.New(nil, opts...)
	if err != nil {
		return ssmrun.Report{}, err
	}
	f.logf("rolling out %s to the %d %s hosts, one at a time (script output: %s)", image, len(ids), env, logPath)
	started := time.Now()
	hosts, runErr := runner.Run(ctx, ssmrun.Targets{InstanceIDs: ids}, script)
	f.images = append(f.images, image.String())
	rep := ssmrun.NewReport(env, hostresult.ModeDeploy, image.String(), hosts, runErr)
	// The same record pipeline rollout writes, in env's state bucket.
	rec := rep.Record(hostresult.ModeDeploy, history.OriginFrom(os.Getenv, "", f.commit), started)
	recErr := writeDeployRecord(ctx, deployer, rec)
	if recErr != nil {
		recErr = fmt.Errorf("the rollout ended %q, but its deploy record was not written: %w", rep.Status, recErr)
	}
	return rep, errors.Join(runErr, recErr)
}

// appCredentialsDir is the host's /run/gangway.
func appCredentialsDir(h *simhost.Host) string { return filepath.Join(h.Dir, "run-gangway") }

// recordRelease writes image and its script to the release parameters
// the outputs name.
func recordRelease(ctx context.Context, cfg aws.Config, out tf.Outputs, image, script string) error {
	api := ssm.NewFromConfig(cfg)
	p := release.Parameters{Image: out.ImageParameter, Script: out.RolloutScriptParameter}
	return release.Write(ctx, api, p, image, script)
}

// writeDeployRecord writes rec to the account's state bucket, even after
// ctx was cancelled.
func writeDeployRecord(ctx context.Context, cfg aws.Config, rec history.Record) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	api := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle, o.DisableLogOutputChecksumValidationSkipped = true, true })
	return history.Store{S3: api, Bucket: stateBucket}.Put(ctx, rec)
}

// IntegrationTest runs the suite with the go command, as the module's
// container does, against appURL.
func (s localSteps) IntegrationTest(ctx context.Context, appURL string) ([]byte, error) {
	args := steps.SuiteArgs()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = s.f.opts.Root
	cmd.Env = append(os.Environ(), "APP_URL="+appURL, "READY_TIMEOUT=60s", "APP_CA_FILE="+s.f.world.state.CA.CertFile)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		err = nil // a failing suite exits 1; its stream says why
	}
	if err != nil {
		return stdout.Bytes(), fmt.Errorf("%s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes(), nil
}

func (s localSteps) Attest(ctx context.Context, image imageref.Ref, checks int, revision string) error {
	return s.cli(ctx, "test", nil, steps.AttestArgs(image, checks, revision))
}

// provision does on the local world what RDS and the host's user data do on
// AWS: the master user from the Terraform-made secret on the local
// PostgreSQL (the RDS seam, played by the administrator), the host's env
// file from the outputs, and the app's credentials from the host role.
func (f *flow) provision(ctx context.Context, env string, o tf.Outputs) error {
	admin, err := f.awsConfig(ctx, env, administrator)
	if err != nil {
		return err
	}
	creds, err := readDBSecret(ctx, admin, o.DBSecretARN)
	if err != nil {
		return err
	}
	db := f.world.dbs[env]
	if err := provisionDatabase(ctx, db.URL("postgres"), creds); err != nil {
		return err
	}
	vars, err := hostEnv(env, o, db.Port, creds.Username, f.world.state.Motos[env].Endpoint)
	if err != nil {
		return err
	}
	// The instance role's credentials, as the host gets them from IMDS.
	host, err := f.awsConfig(ctx, env, hostRole)
	if err != nil {
		return err
	}
	app, err := host.Credentials.Retrieve(ctx)
	if err != nil {
		return err
	}
	for _, h := range f.hosts[env] {
		if err := writeAppCredentials(appCredentialsDir(h), app); err != nil {
			return err
		}
		if err := writeEnvFile(h.EnvFile, vars); err != nil {
			return err
		}
	}
	return nil
}

// step runs a pipeline CLI subcommand in env's emulated account under its
// role r, and decodes its JSON result into v (when v is not nil).
func (f *flow) step(ctx context.Context, env string, r role, v any, args ...string) error {
	fmt.Fprintf(f.log, "$ pipeline %s   # as %s\n", strings.Join(args, " "), roleARN(env, r))
	vars := maps.Clone(f.env)
	maps.Copy(vars, f.stepEnv(env, r))
	f.ranAs(env, r)
	out, err := f.opts.Step(ctx, vars, f.log, args...)
	if err != nil {
		// Some steps print their report and fail (drift found): keep it.
		if v != nil && len(out) > 0 {
			_ = json.Unmarshal(out, v)
		}
		return fmt.Errorf("pipeline %s: %w", args[0], err)
	}
	if v == nil {
		return nil
	}
	if err := json.Unmarshal(out, v); err != nil {
		return fmt.Errorf("pipeline %s printed no JSON result: %w", args[0], err)
	}
	return nil
}

// ranAs records that a step of the running stage ran under env's role r.
func (f *flow) ranAs(env string, r role) {
	f.roles = appendNew(f.roles, roleARN(env, r))
}
