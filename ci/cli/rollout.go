package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/gangway-dev/gangway/ci/envname"
	"github.com/gangway-dev/gangway/ci/imageref"
	"github.com/gangway-dev/gangway/ci/rollout"
	"github.com/gangway-dev/gangway/ci/ssmrun"
)

// The App tag every Gangway instance carries (Terraform sets it).
const appTag = "gangway"

func rolloutCommand() command {
	return command{
		name:    "rollout",
		summary: "roll an image digest out to the environment's hosts over SSM, health-gated, zero downtime",
		setup:   func(fs *flag.FlagSet) func(context.Context, IO) error { return hostCommand(fs, rollout.ModeDeploy) },
	}
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// hostFlags are rollout's and rollback's flags.
type hostFlags struct {
	env, image, region                string
	instanceIDs                       stringList
	batchSize                         int
	maxConcurrency, maxErrors         string
	deliveryTimeout, executionTimeout time.Duration
	healthTimeout, drain              time.Duration
	publicPort                        int
	printScript                       bool
}

func hostCommand(fs *flag.FlagSet, mode rollout.Mode) func(context.Context, IO) error {
	var f hostFlags
	fs.StringVar(&f.env, "env", "", "environment: test or prod (required)")
	if mode == rollout.ModeDeploy {
		fs.StringVar(&f.image, "image", "", "image to deploy, REPO@sha256:<64 hex> (required)")
	}
	fs.StringVar(&f.region, "region", "", "AWS region (default $AWS_REGION)")
	fs.Var(&f.instanceIDs, "instance-id", "target this instance id instead of every instance tagged Environment=<env>, App=gangway (repeatable)")
	fs.IntVar(&f.batchSize, "batch-size", ssmrun.MaxInstanceIDsPerCall, "instances per SSM command (1-50); a failed batch stops the next")
	fs.StringVar(&f.maxConcurrency, "max-concurrency", "1", "SSM MaxConcurrency within a batch: a number or a percentage")
	fs.StringVar(&f.maxErrors, "max-errors", "0", "SSM MaxErrors within a batch: a number or a percentage")
	fs.DurationVar(&f.deliveryTimeout, "delivery-timeout", 5*time.Minute, "SSM TimeoutSeconds: how long delivery to a host may take")
	fs.DurationVar(&f.executionTimeout, "execution-timeout", 15*time.Minute, "how long the script may run on one host")
	fs.DurationVar(&f.healthTimeout, "health-timeout", 90*time.Second, "how long the new version has to answer /health and /db/status")
	fs.DurationVar(&f.drain, "drain", 5*time.Second, "how long the old version keeps running after traffic moved")
	fs.IntVar(&f.publicPort, "public-port", 80, "the public port nginx listens on (terraform var app_port)")
	fs.BoolVar(&f.printScript, "print-script", false, "print the host script to stdout and exit, without calling AWS")
	return func(ctx context.Context, io IO) error { return f.run(ctx, io, mode) }
}

func (f *hostFlags) run(ctx context.Context, io IO, mode rollout.Mode) error {
	if err := envname.Validate(f.env); err != nil {
		return &UsageError{Err: err}
	}
	if mode == rollout.ModeDeploy {
		if _, err := imageref.Parse(f.image); err != nil {
			return &UsageError{Err: fmt.Errorf("--image: %w", err)}
		}
	}
	if f.region == "" {
		f.region = io.Getenv("AWS_REGION")
	}
	params := rollout.HostDefaults(mode, f.image, f.region)
	params.HealthTimeout, params.Drain = f.healthTimeout, f.drain
	params.PublicListen = fmt.Sprint(f.publicPort)
	script, err := rollout.Render(params)
	if err != nil {
		return &UsageError{Err: err}
	}
	if f.executionTimeout < params.LockTimeout+params.HealthTimeout+params.Drain+params.StopTimeout {
		return usagef("--execution-timeout %s is shorter than the script's own bounds (lock wait %s + health %s + drain %s + stop %s)",
			f.executionTimeout, params.LockTimeout, params.HealthTimeout, params.Drain, params.StopTimeout)
	}
	opts := []ssmrun.Option{
		ssmrun.WithBatches(f.batchSize, f.maxConcurrency, f.maxErrors),
		ssmrun.WithDeliveryTimeout(f.deliveryTimeout),
		ssmrun.WithExecutionTimeout(f.executionTimeout),
		ssmrun.WithComment(fmt.Sprintf("gangway %s %s", mode, f.env)),
		ssmrun.WithLogger(io.Log),
	}
	if _, err := ssmrun.New(nil, opts...); err != nil { // validate before any AWS call
		return &UsageError{Err: err}
	}
	if f.printScript {
		_, err := fmt.Fprint(io.Stdout, script)
		return err
	}

	// The same configuration and STS check as every AWS step: missing or
	// rejected credentials fail here, with STS's reason, before any SSM call.
	sess, err := connectAWS(ctx, io, awsFlags{region: f.region})
	if err != nil {
		return err
	}
	runner, err := ssmrun.New(ssm.NewFromConfig(sess.cfg), opts...)
	if err != nil {
		return &UsageError{Err: err}
	}
	targets := ssmrun.Targets{InstanceIDs: f.instanceIDs, Tags: map[string]string{"Environment": f.env, "App": appTag}}
	if len(f.instanceIDs) > 0 {
		targets.Tags = nil
	}
	io.Log.Info("rolling out", "env", f.env, "mode", mode, "image", f.image, "targets", targets.String())
	hosts, runErr := runner.Run(ctx, targets, script)
	out := ssmrun.NewReport(f.env, mode, f.image, hosts, runErr)
	if err := writeJSON(io.Stdout, out); err != nil {
		return err
	}
	if runErr != nil {
		return fmt.Errorf("%s of %s: %w", mode, f.env, runErr)
	}
	return nil
}
