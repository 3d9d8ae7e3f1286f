package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/gangway-dev/gangway/ci/envname"
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

// hostOutput is the JSON document on stdout.
type hostOutput struct {
	Env    string              `json:"env"`
	Mode   string              `json:"mode"`
	Image  string              `json:"image,omitempty"`
	Status string              `json:"status"` // deployed, unchanged (every host), or failed
	Hosts  []ssmrun.HostResult `json:"hosts"`
	Error  string              `json:"error,omitempty"`
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
	if mode == rollout.ModeDeploy && !rollout.ValidImageRef(f.image) {
		return usagef("--image %q must be REPO@sha256:<64 hex digits>: deploy by digest, never by tag", f.image)
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

	client, err := ssmrun.NewClient(ctx, f.region)
	if err != nil {
		return err
	}
	runner, err := ssmrun.New(client, opts...)
	if err != nil {
		return &UsageError{Err: err}
	}
	targets := ssmrun.Targets{InstanceIDs: f.instanceIDs, Tags: map[string]string{"Environment": f.env, "App": appTag}}
	if len(f.instanceIDs) > 0 {
		targets.Tags = nil
	}
	io.Log.Info("rolling out", "env", f.env, "mode", mode, "image", f.image, "targets", targets.String())
	hosts, runErr := runner.Run(ctx, targets, script)
	out := hostOutput{Env: f.env, Mode: string(mode), Image: f.image, Status: overall(hosts, runErr), Hosts: hosts}
	if out.Hosts == nil {
		out.Hosts = []ssmrun.HostResult{}
	}
	if runErr != nil {
		out.Error = runErr.Error()
	}
	if err := writeJSON(io.Stdout, out); err != nil {
		return err
	}
	if runErr != nil {
		return fmt.Errorf("%s of %s: %w", mode, f.env, runErr)
	}
	return nil
}

// overall is "unchanged" when every host already served the image,
// "deployed" when all succeeded and at least one changed, else "failed".
func overall(hosts []ssmrun.HostResult, err error) string {
	if err != nil || len(hosts) == 0 {
		return rollout.StatusFailed
	}
	status := rollout.StatusUnchanged
	for _, h := range hosts {
		if h.Result == nil || !h.Result.OK() {
			return rollout.StatusFailed
		}
		if h.Result.Status == rollout.StatusDeployed {
			status = rollout.StatusDeployed
		}
	}
	return status
}
