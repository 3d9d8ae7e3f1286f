package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/gangway-dev/gangway/ci/alarm"
	"github.com/gangway-dev/gangway/ci/envname"
	"github.com/gangway-dev/gangway/ci/fleet"
	"github.com/gangway-dev/gangway/ci/history"
	"github.com/gangway-dev/gangway/ci/hostresult"
	"github.com/gangway-dev/gangway/ci/imageref"
	"github.com/gangway-dev/gangway/ci/registry"
	"github.com/gangway-dev/gangway/ci/release"
	"github.com/gangway-dev/gangway/ci/rollout"
	"github.com/gangway-dev/gangway/ci/ssmrun"
)

// The App tag every Gangway instance carries (Terraform sets it).
const appTag = "gangway"

func rolloutCommand() command {
	return command{
		name:    "rollout",
		summary: "roll an image digest out to the environment's hosts over SSM, health-gated, zero downtime",
		flags:   func() commandFlags { return &hostFlags{mode: hostresult.ModeDeploy} },
	}
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// hostFlags are rollout's and rollback's flags.
type hostFlags struct {
	mode                              hostresult.Mode // which of the two: set by the command, not a flag
	env, image                        string
	aws                               awsFlags
	to, commit, actor, stateBucket    string
	asg, alarm                        string
	instanceIDs                       stringList
	batchSize                         int
	maxConcurrency, maxErrors         string
	deliveryTimeout, executionTimeout time.Duration
	healthTimeout, drain              time.Duration
	bake                              *time.Duration // nil: rollout.DefaultBake(env)
	publicPort                        int
	printScript                       bool
	release                           release.Parameters
}

// register declares the flags of f.mode: --image, --alarm and --bake are
// rollout's, --to is rollback's.
func (f *hostFlags) register(fs *flag.FlagSet) {
	registerEnv(fs, &f.env, "environment")
	if f.mode == hostresult.ModeDeploy {
		fs.StringVar(&f.image, "image", "", "image to deploy, REPO@sha256:<64 hex> (required)")
	} else {
		fs.StringVar(&f.to, "to", "", "roll back to this earlier digest, sha256:<64 hex>, still in the environment's ECR repository (pipeline history lists them); default: each host's previous image")
	}
	f.aws.register(fs)
	fs.StringVar(&f.actor, "actor", "", "who runs it, for the deploy record (default $GITHUB_ACTOR, else $GITLAB_USER_LOGIN, else the local user)")
	fs.StringVar(&f.commit, "commit", "", "the source revision of the image, for the deploy record (default $GITHUB_SHA, else $CI_COMMIT_SHA)")
	fs.StringVar(&f.stateBucket, "state-bucket", "", "S3 state bucket the deploy record is written to (default $TF_STATE_BUCKET, else gangway-tfstate-<account>-<region>)")
	fs.StringVar(&f.asg, "asg", "", "target the InService instances of this Auto Scaling group (terraform output asg_name) instead of every instance tagged Environment=<env>, App=gangway")
	fs.Var(&f.instanceIDs, "instance-id", "target this instance id instead of the tagged instances (repeatable; not with --asg)")
	if f.mode == hostresult.ModeDeploy {
		fs.StringVar(&f.alarm, "alarm", "", "CloudWatch alarm to check after each batch (terraform output alarm_5xx_name): its going into ALARM since the start fails the batch, and the moved hosts are rolled back (its 1-minute period and the metrics' delay mean it mostly sees earlier batches; each host's bake is the first gate)")
	}
	fs.IntVar(&f.batchSize, "batch-size", 0, "instances per SSM command, 1-50; default half the hosts (1 when there are two or fewer), so the rest keep serving; a failed batch stops the next")
	fs.StringVar(&f.maxConcurrency, "max-concurrency", "1", "SSM MaxConcurrency within a batch: a number or a percentage")
	fs.StringVar(&f.maxErrors, "max-errors", "0", "SSM MaxErrors within a batch: a number or a percentage")
	fs.DurationVar(&f.deliveryTimeout, "delivery-timeout", 5*time.Minute, "SSM TimeoutSeconds: how long delivery to a host may take")
	fs.DurationVar(&f.executionTimeout, "execution-timeout", 15*time.Minute, "how long the script may run on one host")
	fs.DurationVar(&f.healthTimeout, "health-timeout", 90*time.Second, "how long the new version has to answer /health and /db/status")
	fs.DurationVar(&f.drain, "drain", 5*time.Second, "how long the old version keeps running after traffic moved")
	if f.mode == hostresult.ModeDeploy {
		fs.Func("bake", "how long each host watches the new version after its cutover, the old one kept running, and switches back by itself if it fails (default 60s in prod, 10s in test; 0 skips)", func(s string) error {
			d, err := time.ParseDuration(s)
			if err != nil {
				return err
			}
			f.bake = &d
			return nil
		})
	}
	fs.IntVar(&f.publicPort, "public-port", 80, "the public port nginx listens on (terraform var app_port)")
	fs.StringVar(&f.release.Image, "image-parameter", "", "SSM parameter that records the image for hosts that boot later (terraform output image_parameter); written before any host is touched")
	fs.StringVar(&f.release.Script, "rollout-script-parameter", "", "SSM parameter that records the rollout script for hosts that boot later (terraform output rollout_script_parameter); written with --image-parameter")
	fs.BoolVar(&f.printScript, "print-script", false, "print the host script to stdout and exit, without calling AWS")
}

// script renders the host script of mode for image.
func (f *hostFlags) script(mode hostresult.Mode, image string) (string, error) {
	bake := rollout.DefaultBake(f.env)
	if f.bake != nil {
		bake = *f.bake
	}
	if f.to != "" {
		// A rollback --to does not bake: switching back would return to
		// the release it leaves.
		bake = 0
	}
	return f.render(mode, image, bake)
}

// render renders the host script of mode for image with the given bake.
func (f *hostFlags) render(mode hostresult.Mode, image string, bake time.Duration) (string, error) {
	params := rollout.HostDefaults(mode, image, f.aws.region)
	params.HealthTimeout, params.Drain = f.healthTimeout, f.drain
	params.Bake = bake
	params.PublicListen = fmt.Sprint(f.publicPort)
	script, err := rollout.Render(params)
	if err != nil {
		return "", &UsageError{Err: err}
	}
	if f.executionTimeout < params.LockTimeout+params.HealthTimeout+params.Bake+params.Drain+params.StopTimeout {
		return "", usagef("--execution-timeout %s is shorter than the script's own bounds (lock wait %s + health %s + bake %s + drain %s + stop %s)",
			f.executionTimeout, params.LockTimeout, params.HealthTimeout, params.Bake, params.Drain, params.StopTimeout)
	}
	return script, nil
}

// run is rollout (f.mode deploy) or rollback (f.mode rollback). A rollback
// --to DIGEST is a deploy of that earlier image: the same script, the same
// health gate, recorded as a rollback.
func (f *hostFlags) run(ctx context.Context, sys IO) error {
	kind := f.mode
	if err := envname.Validate(f.env); err != nil {
		return &UsageError{Err: err}
	}
	if kind == hostresult.ModeDeploy {
		if _, err := imageref.Parse(f.image); err != nil {
			return &UsageError{Err: fmt.Errorf("--image: %w", err)}
		}
	}
	mode := kind
	if f.to != "" {
		if _, err := imageref.ParseDigest(f.to); err != nil {
			return &UsageError{Err: fmt.Errorf("--to: %w", err)}
		}
		if f.printScript {
			return usagef("--print-script calls no AWS, but --to must look up the environment's repository: print the same script with pipeline rollout --env %s --image REPO@%s --print-script", f.env, f.to)
		}
		mode = hostresult.ModeDeploy
	}
	if f.asg != "" && len(f.instanceIDs) > 0 {
		return usagef("--asg and --instance-id both choose the hosts: give one")
	}
	if f.batchSize < 0 || f.batchSize > ssmrun.MaxInstanceIDsPerCall {
		return usagef("--batch-size %d: want 1 to %d hosts a batch (SSM takes at most 50 instance ids a command), or 0 for half the hosts", f.batchSize, ssmrun.MaxInstanceIDsPerCall)
	}
	if (f.release.Image == "") != (f.release.Script == "") {
		return usagef("--image-parameter and --rollout-script-parameter go together: a booting host reads both")
	}
	if f.aws.region == "" {
		f.aws.region = sys.Getenv("AWS_REGION")
	}
	// Rendered now to check the flags before any AWS call; a rollback --to
	// (checked with a stand-in repository) renders again once its
	// repository is known.
	image := f.image
	if f.to != "" {
		image = "registry.invalid/gangway-" + f.env + "@" + f.to
	}
	script, err := f.script(mode, image)
	if err != nil {
		return err
	}
	opts := []ssmrun.Option{
		ssmrun.WithBatches(f.batchSize, f.maxConcurrency, f.maxErrors),
		ssmrun.WithDeliveryTimeout(f.deliveryTimeout),
		ssmrun.WithExecutionTimeout(f.executionTimeout),
		ssmrun.WithComment(fmt.Sprintf("gangway %s %s", kind, f.env)),
		ssmrun.WithLogger(sys.Log),
	}
	if kind == hostresult.ModeDeploy {
		// A failed batch rolls back the hosts this rollout moved. Not for a
		// rollback --to: the hosts' previous release is the one it leaves.
		back, err := f.script(hostresult.ModeRollback, "")
		if err != nil {
			return err
		}
		opts = append(opts, ssmrun.WithRollbackOnFailure(back))
	}
	if err := ssmrun.Validate(opts...); err != nil { // before any AWS call
		return &UsageError{Err: err}
	}
	if f.printScript {
		_, err := fmt.Fprint(sys.Stdout, script)
		return err
	}

	// The same configuration and STS check as every AWS step: missing or
	// rejected credentials fail here, with STS's reason, before any SSM call.
	sess, err := connectAWS(ctx, sys, f.aws)
	if err != nil {
		return err
	}
	// Every rollout and rollback is recorded: without a bucket to record
	// it in, none starts.
	store, err := historyStore(sys, sess, f.stateBucket)
	if err != nil {
		return err
	}
	if err := store.Check(ctx); errors.Is(err, history.ErrNoBucket) {
		return usagef("no rollout without its deploy record: %v; set --state-bucket or TF_STATE_BUCKET to the bucket the bootstrap created; no host was touched", err)
	} else if err != nil {
		return fmt.Errorf("no rollout without its deploy record: %w; no host was touched", err)
	}
	if f.to != "" {
		if f.image, err = f.earlierImage(ctx, sys, sess, store); err != nil {
			return err
		}
		if script, err = f.script(mode, f.image); err != nil {
			return err
		}
	}
	if f.alarm != "" {
		// Checked to exist before anything is written or touched.
		watch, err := alarm.Start(ctx, cloudwatch.NewFromConfig(sess.cfg), f.alarm)
		if err != nil {
			return fmt.Errorf("%w; nothing was recorded and no host was touched", err)
		}
		watch.Warn = sys.Log.Warn
		opts = append(opts, ssmrun.WithBatchCheck(watch.Check))
	}
	ssmAPI := ssm.NewFromConfig(sess.cfg)
	runner, err := ssmrun.New(ssmAPI, opts...)
	if err != nil {
		return &UsageError{Err: err}
	}
	targets := ssmrun.Targets{InstanceIDs: f.instanceIDs, Tags: map[string]string{"Environment": f.env, "App": appTag}}
	if f.asg != "" {
		// The group's hosts, found before anything is written: an empty or
		// missing group stops the rollout with nothing recorded.
		if targets.InstanceIDs, err = fleet.InService(ctx, autoscaling.NewFromConfig(sess.cfg), f.asg); err != nil {
			return fmt.Errorf("finding the hosts of %s: %w; nothing was recorded and no host was touched", f.env, err)
		}
	}
	if len(targets.InstanceIDs) > 0 {
		targets.Tags = nil
	}
	previous, err := f.recordRelease(ctx, sys, ssmAPI, script)
	if err != nil {
		return err
	}
	sys.Log.Info("rolling out", "env", f.env, "mode", kind, "image", f.image, "targets", targets.String())
	started := time.Now()
	hosts, runErr := runner.Run(ctx, targets, script)
	if runErr != nil && previous != nil {
		// The fleet keeps its release: so must a host that boots later.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		if err := release.Restore(rctx, ssmAPI, f.release, *previous); err != nil {
			runErr = errors.Join(runErr, fmt.Errorf("%w: the parameters still name %s, which a host that boots would serve; put back %s", err, f.image, previous.Image))
		} else {
			sys.Log.Info("the rollout failed: the release for hosts that boot later is back to the one before", "image", previous.Image)
		}
		cancel()
	}
	if f.image == "" && f.release.Image != "" {
		if runErr == nil {
			// A plain rollback: the fleet now serves each host's previous
			// image, which a host that boots later must serve too.
			runErr = f.recordRolledBack(ctx, sys, ssmAPI, hosts)
		} else {
			sys.Log.Warn("the rollback failed: the release for hosts that boot later is left as it was, which names the image rolled back from; after fixing the hosts, run rollback --to", "image_parameter", f.release.Image)
		}
	}
	out := ssmrun.NewReport(f.env, kind, f.image, hosts, runErr)
	// The record is written before anything else can fail.
	recErr := writeRecord(ctx, sys, store, out.Record(kind, history.OriginFrom(sys.Getenv, f.actor, f.commit), started))
	if err := writeJSON(sys.Stdout, out); err != nil {
		return errors.Join(err, recErr)
	}
	if runErr != nil {
		// The rollout's own failure first; a missing record after it.
		return errors.Join(fmt.Errorf("%s of %s: %w", kind, f.env, runErr), recErr)
	}
	return recErr
}

// recordRelease writes the image and its script where a booting host
// reads them, before any host is touched: a host the group adds during or
// after the rollout then serves this release. It returns what they held
// before, which the caller puts back if the rollout fails. A plain
// rollback has no image to record and leaves them.
func (f *hostFlags) recordRelease(ctx context.Context, sys IO, api *ssm.Client, script string) (*release.Recorded, error) {
	switch {
	case f.image == "":
		return nil, nil // a plain rollback records what the hosts went back to, after (recordRolledBack)
	case f.release.Image == "":
		sys.Log.Warn("no --image-parameter: the release is not recorded, and a host that boots later will not serve it")
		return nil, nil
	}
	previous, err := release.Current(ctx, api, f.release)
	if err != nil {
		return nil, fmt.Errorf("%w; no host was touched", err)
	}
	if err := release.Write(ctx, api, f.release, f.image, script); err != nil {
		return nil, fmt.Errorf("%w; no host was touched", err)
	}
	sys.Log.Info("release recorded for hosts that boot later", "image_parameter", f.release.Image, "rollout_script_parameter", f.release.Script)
	return &previous, nil
}

// recordRolledBack records, after a plain rollback, the image the hosts
// went back to, where a booting host reads it, with the script rollback
// --to renders for that image. Hosts back on different images leave the
// parameters as they were, and say so.
func (f *hostFlags) recordRolledBack(ctx context.Context, sys IO, api *ssm.Client, hosts []ssmrun.HostResult) error {
	var images []string
	for _, h := range hosts {
		if h.Result != nil && h.Result.OK() && h.Result.Image != "" && !slices.Contains(images, h.Result.Image) {
			images = append(images, h.Result.Image)
		}
	}
	switch len(images) {
	case 0:
		sys.Log.Warn("no host reported the image it went back to: the release for hosts that boot later is left as it was", "image_parameter", f.release.Image)
		return nil
	case 1:
	default:
		sys.Log.Warn("the hosts went back to different images: the release for hosts that boot later is left as it was", "images", strings.Join(images, ","), "image_parameter", f.release.Image)
		return nil
	}
	// What rollback --to renders for that image: a deploy that does not
	// bake, within the bounds the flags were checked against before any
	// host was touched.
	script, err := f.render(hostresult.ModeDeploy, images[0], 0)
	if err != nil {
		return err
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := release.Write(rctx, api, f.release, images[0], script); err != nil {
		return fmt.Errorf("the hosts went back to %s, but recording it for hosts that boot later failed: %w; a host that boots would serve what %s names: run rollback --to %s", images[0], err, f.release.Image, digestOf(images[0]))
	}
	sys.Log.Info("release recorded for hosts that boot later: the image the hosts went back to", "image", images[0], "image_parameter", f.release.Image)
	return nil
}

// digestOf is the sha256:… part of REPO@sha256:….
func digestOf(image string) string {
	_, d, _ := strings.Cut(image, "@")
	return d
}

// earlierImage is the image of rollback --to: f.to in the repository that
// env's deploys came from (the newest deploy record that names one), refused before any
// host is touched unless ECR still has it there.
func (f *hostFlags) earlierImage(ctx context.Context, sys IO, sess *awsSession, store history.Store) (string, error) {
	records, err := store.List(ctx, f.env, 0)
	if errors.Is(err, history.ErrNoHistory) {
		return "", &UsageError{Err: fmt.Errorf("nothing to roll back to: %w", errNeverDeployed(f.env, err))}
	}
	if err != nil {
		return "", fmt.Errorf("reading the deploy history of %s to find its repository: %w", f.env, err)
	}
	// The newest record that names an image: a plain rollback that failed
	// before any host names none.
	var deployed imageref.Ref
	for _, r := range records {
		if deployed, err = imageref.Parse(r.Image); err == nil {
			break
		}
	}
	if err != nil {
		return "", fmt.Errorf("no deploy record of %s names an image reference (%w): roll out REPO@%s with pipeline rollout --image", f.env, err, f.to)
	}
	target, err := imageref.Parse(deployed.Name() + "@" + f.to)
	if err != nil {
		return "", &UsageError{Err: err}
	}
	ok, err := registry.HasImage(ctx, ecr.NewFromConfig(sess.cfg), target)
	if err != nil {
		return "", fmt.Errorf("checking that %s is still in ECR: %w", target, err)
	}
	if !ok {
		return "", usagef("%s is not in the %s repository %s, so there is nothing to roll back to there; no host was touched. "+
			"It was never pushed there or the lifecycle policy expired it: pick a digest that is still there "+
			"(pipeline history --env %s lists earlier deploys; aws ecr describe-images --repository-name %s lists what ECR keeps)",
			f.to, f.env, deployed.Name(), f.env, deployed.Repository)
	}
	sys.Log.Info("rolling back to an earlier image", "env", f.env, "image", target.String())
	return target.String(), nil
}
