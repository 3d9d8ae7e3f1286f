package ssmrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/gangway-dev/gangway/ci/hostresult"
)

// API is the part of the SSM client the runner uses.
type API interface {
	DescribeInstanceInformation(context.Context, *ssm.DescribeInstanceInformationInput, ...func(*ssm.Options)) (*ssm.DescribeInstanceInformationOutput, error)
	SendCommand(context.Context, *ssm.SendCommandInput, ...func(*ssm.Options)) (*ssm.SendCommandOutput, error)
	GetCommandInvocation(context.Context, *ssm.GetCommandInvocationInput, ...func(*ssm.Options)) (*ssm.GetCommandInvocationOutput, error)
}

var _ API = (*ssm.Client)(nil)

// SSM limits this package works within.
const (
	MaxInstanceIDsPerCall = 50    // SendCommand InstanceIds, DescribeInstanceInformation InstanceIds filter
	StdoutLimit           = 24000 // characters of stdout GetCommandInvocation returns
	stderrLimit           = 8000  // characters of stderr
	tailChars             = 3000  // how much output an error shows
	scriptDelimiter       = "GANGWAY_SCRIPT_EOF"
)

// Targets selects instances: explicit ids, or every instance whose tags
// match all of Tags (for example Environment=test, App=gangway).
type Targets struct {
	InstanceIDs []string
	Tags        map[string]string
}

func (t Targets) String() string {
	if len(t.InstanceIDs) > 0 {
		return "instances " + strings.Join(t.InstanceIDs, ", ")
	}
	var kv []string
	for _, k := range slices.Sorted(maps.Keys(t.Tags)) {
		kv = append(kv, k+"="+t.Tags[k])
	}
	return "instances tagged " + strings.Join(kv, ", ")
}

// Transport carries a script to instances and reads back how it ended:
// SSM Run Command (the Runner's own Preflight and Invoke) or, in the local
// world, simulated hosts. Run's batching, stop at the first failed batch
// and rollback of the hosts it moved are the same over either.
type Transport interface {
	// Preflight resolves targets to instances that can run a script now,
	// sorted by id, and sends nothing.
	Preflight(ctx context.Context, t Targets) ([]Instance, error)
	// Invoke runs script on the instances as one command and returns its
	// id and the invocations that finished.
	Invoke(ctx context.Context, instanceIDs []string, script string) (string, []Invocation, error)
}

var _ Transport = (*Runner)(nil)

// Runner sends scripts and waits for them. Build it with New.
type Runner struct {
	api              API
	transport        Transport // nil: the Runner itself, over api
	deliveryTimeout  time.Duration
	executionTimeout time.Duration
	batchSize        int
	maxConcurrency   string
	maxErrors        string
	pollInitial      time.Duration
	pollMax          time.Duration
	waitTimeout      time.Duration // 0: derived per batch
	comment          string
	rollbackScript   string
	batchCheck       func(context.Context) error // nil: none
	log              *slog.Logger
}

// Option configures a Runner.
type Option func(*Runner)

// WithDeliveryTimeout sets SendCommand's TimeoutSeconds: how long SSM may
// take to deliver the command (30s..48h). Default 5m.
func WithDeliveryTimeout(d time.Duration) Option { return func(r *Runner) { r.deliveryTimeout = d } }

// WithExecutionTimeout sets AWS-RunShellScript's executionTimeout: how long
// the script may run on a host (1s..48h). Default 15m.
func WithExecutionTimeout(d time.Duration) Option {
	return func(r *Runner) { r.executionTimeout = d }
}

// WithBatches sets the fleet batching: size instances per SendCommand (at
// most 50; default 0, autoBatchSize of the targets), each with SSM's
// MaxConcurrency (default "1": one host at a time) and MaxErrors (default
// "0": stop at the first error).
func WithBatches(size int, maxConcurrency, maxErrors string) Option {
	return func(r *Runner) { r.batchSize, r.maxConcurrency, r.maxErrors = size, maxConcurrency, maxErrors }
}

// withPolling sets the wait backoff: first delay, growing by half up to max.
// Default 1s to 10s.
func withPolling(initial, max time.Duration) Option {
	return func(r *Runner) { r.pollInitial, r.pollMax = initial, max }
}

// withWaitTimeout bounds the wait for one batch. Default: the delivery
// timeout plus the execution timeout for each wave of MaxConcurrency hosts,
// plus a minute.
func withWaitTimeout(d time.Duration) Option { return func(r *Runner) { r.waitTimeout = d } }

// WithRollbackOnFailure makes Run roll back, with script, every host it
// had deployed when a later batch fails.
func WithRollbackOnFailure(script string) Option {
	return func(r *Runner) { r.rollbackScript = script }
}

// WithTransport makes Run carry scripts over tr instead of SSM: the local
// world's simulated hosts.
func WithTransport(tr Transport) Option { return func(r *Runner) { r.transport = tr } }

// WithBatchCheck has the runner call check after each batch whose hosts
// all deployed: an error fails that batch as a failed host does (the later
// batches are not sent, and with WithRollbackOnFailure the moved hosts,
// this batch's included, are rolled back). pipeline rollout watches the
// load balancer's 5xx alarm with it (package alarm).
func WithBatchCheck(check func(context.Context) error) Option {
	return func(r *Runner) { r.batchCheck = check }
}

// WithComment sets the command's comment (shown in the console; max 100).
func WithComment(c string) Option { return func(r *Runner) { r.comment = c } }

// WithLogger sends progress to l. Default: discarded.
func WithLogger(l *slog.Logger) Option { return func(r *Runner) { r.log = l } }

// New returns a Runner for api with the options applied and validated.
func New(api API, opts ...Option) (*Runner, error) {
	r := configure(api, opts)
	if err := r.validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// Validate checks the options as New does, for a caller that validates its
// input before it has an SSM client (before any AWS call).
func Validate(opts ...Option) error { return configure(nil, opts).validate() }

// configure returns a Runner with the defaults and then opts applied.
func configure(api API, opts []Option) *Runner {
	r := &Runner{
		api:              api,
		deliveryTimeout:  5 * time.Minute,
		executionTimeout: 15 * time.Minute,
		batchSize:        0,
		maxConcurrency:   "1",
		maxErrors:        "0",
		pollInitial:      time.Second,
		pollMax:          10 * time.Second,
		comment:          "gangway rollout",
		log:              slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, o := range opts {
		o(r)
	}
	return r
}

// validate says everything wrong with r's options at once.
func (r *Runner) validate() error {
	var errs []error
	if r.deliveryTimeout < 30*time.Second || r.deliveryTimeout > 48*time.Hour {
		errs = append(errs, fmt.Errorf("delivery timeout %s must be between 30s and 48h (SSM TimeoutSeconds)", r.deliveryTimeout))
	}
	if r.executionTimeout < time.Second || r.executionTimeout > 48*time.Hour {
		errs = append(errs, fmt.Errorf("execution timeout %s must be between 1s and 48h", r.executionTimeout))
	}
	if r.batchSize < 0 || r.batchSize > MaxInstanceIDsPerCall {
		errs = append(errs, fmt.Errorf("batch size %d must be 1..%d (SSM takes at most 50 instance ids a call), or 0 for half the hosts", r.batchSize, MaxInstanceIDsPerCall))
	}
	if !validRate(r.maxConcurrency, 1) {
		errs = append(errs, fmt.Errorf("max concurrency %q must be a number >= 1 or a percentage such as 25%%", r.maxConcurrency))
	}
	if !validRate(r.maxErrors, 0) {
		errs = append(errs, fmt.Errorf("max errors %q must be a number >= 0 or a percentage such as 10%%", r.maxErrors))
	}
	if r.pollInitial <= 0 || r.pollMax < r.pollInitial {
		errs = append(errs, fmt.Errorf("polling %s..%s is not a valid backoff", r.pollInitial, r.pollMax))
	}
	if len(r.comment) > 100 {
		errs = append(errs, fmt.Errorf("comment is longer than SSM's 100 characters"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid SSM runner options: %w", err)
	}
	return nil
}

// autoBatchSize is the batch size for n hosts that keeps capacity: at
// most half of them at a time (1 when there are two or fewer, 25 of 50),
// so that at least half the fleet serves the old release while a batch
// switches, and at most 50 (SSM's limit a call).
func autoBatchSize(n int) int {
	return min(max(1, n/2), MaxInstanceIDsPerCall)
}

func validRate(s string, min int) bool {
	n, err := strconv.Atoi(strings.TrimSuffix(s, "%"))
	if err != nil || n < min {
		return false
	}
	return !strings.HasSuffix(s, "%") || (n >= 1 && n <= 100)
}

// commands wraps script for AWS-RunShellScript. The agent runs its commands
// with sh, which may ignore a shebang: a quoted here-document hands the
// script to bash unchanged (no expansion), and bash's exit status becomes
// the command's. It is pure.
func commands(script string) ([]string, error) {
	for _, line := range strings.Split(script, "\n") {
		if strings.TrimSpace(line) == scriptDelimiter {
			return nil, fmt.Errorf("the script contains the line %q, which would end the here-document", scriptDelimiter)
		}
	}
	if !strings.HasSuffix(script, "\n") {
		script += "\n"
	}
	return []string{"bash -s <<'" + scriptDelimiter + "'\n" + script + scriptDelimiter}, nil
}

// SendInput builds the SendCommand request for one batch. It is pure.
func (r *Runner) SendInput(instanceIDs []string, script string) (*ssm.SendCommandInput, error) {
	if len(instanceIDs) == 0 || len(instanceIDs) > MaxInstanceIDsPerCall {
		return nil, fmt.Errorf("a command takes 1..%d instance ids, got %d", MaxInstanceIDsPerCall, len(instanceIDs))
	}
	commands, err := commands(script)
	if err != nil {
		return nil, err
	}
	return &ssm.SendCommandInput{
		DocumentName:   aws.String("AWS-RunShellScript"),
		InstanceIds:    slices.Clone(instanceIDs),
		Comment:        aws.String(r.comment),
		TimeoutSeconds: aws.Int32(int32(r.deliveryTimeout / time.Second)),
		MaxConcurrency: aws.String(r.maxConcurrency),
		MaxErrors:      aws.String(r.maxErrors),
		Parameters: map[string][]string{
			"commands":         commands,
			"executionTimeout": {strconv.Itoa(int(r.executionTimeout / time.Second))},
		},
		CloudWatchOutputConfig: &types.CloudWatchOutputConfig{CloudWatchOutputEnabled: false},
	}, nil
}

// Instance is a managed instance as SSM sees it.
type Instance struct {
	ID         string
	PingStatus string
	Platform   string
}

// describeInput builds the DescribeInstanceInformation request for targets
// (a chunk of at most 50 ids, or the tags). It is pure.
func describeInput(t Targets, ids []string, next *string) *ssm.DescribeInstanceInformationInput {
	in := &ssm.DescribeInstanceInformationInput{NextToken: next, MaxResults: aws.Int32(50)}
	if len(ids) > 0 {
		in.Filters = []types.InstanceInformationStringFilter{{Key: aws.String("InstanceIds"), Values: ids}}
		return in
	}
	for _, k := range slices.Sorted(maps.Keys(t.Tags)) {
		in.Filters = append(in.Filters, types.InstanceInformationStringFilter{Key: aws.String("tag:" + k), Values: []string{t.Tags[k]}})
	}
	return in
}

// Describe resolves targets to the instances SSM manages, whatever their
// ping status, sorted by id; an instance id that SSM does not know is
// absent. It sends nothing.
func (r *Runner) Describe(ctx context.Context, t Targets) ([]Instance, error) {
	if len(t.InstanceIDs) == 0 && len(t.Tags) == 0 {
		return nil, fmt.Errorf("%w: give instance ids or tags", ErrNoTargets)
	}
	found := map[string]Instance{}
	describe := func(ids []string) error {
		var next *string
		for {
			out, err := r.api.DescribeInstanceInformation(ctx, describeInput(t, ids, next))
			if err != nil {
				return fmt.Errorf("describing SSM managed instances (%s): %w", t, err)
			}
			for _, info := range out.InstanceInformationList {
				id := aws.ToString(info.InstanceId)
				found[id] = Instance{ID: id, PingStatus: string(info.PingStatus), Platform: string(info.PlatformType)}
			}
			if aws.ToString(out.NextToken) == "" {
				return nil
			}
			next = out.NextToken
		}
	}
	if len(t.InstanceIDs) > 0 {
		for chunk := range slices.Chunk(t.InstanceIDs, MaxInstanceIDsPerCall) {
			if err := describe(chunk); err != nil {
				return nil, err
			}
		}
	} else if err := describe(nil); err != nil {
		return nil, err
	}
	instances := make([]Instance, 0, len(found))
	for _, id := range slices.Sorted(maps.Keys(found)) {
		instances = append(instances, found[id])
	}
	return instances, nil
}

// Preflight resolves targets to instances and checks that each is
// registered with SSM and Online. It sends nothing. The instances come back
// sorted by id.
func (r *Runner) Preflight(ctx context.Context, t Targets) ([]Instance, error) {
	instances, err := r.Describe(ctx, t)
	if err != nil {
		return nil, err
	}
	if len(t.InstanceIDs) > 0 {
		found := map[string]bool{}
		for _, in := range instances {
			found[in.ID] = true
		}
		var missing []string
		for _, id := range t.InstanceIDs {
			if !found[id] {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("%w: %s; check that the SSM agent runs and the instance profile allows SSM (AmazonSSMManagedInstanceCore); nothing was sent", ErrNotRegistered, strings.Join(missing, ", "))
		}
	}
	if len(instances) == 0 {
		return nil, fmt.Errorf("%w: no SSM managed instance is %s; nothing was sent", ErrNoTargets, strings.TrimPrefix(t.String(), "instances "))
	}
	var offline []string
	for _, in := range instances {
		if in.PingStatus != string(types.PingStatusOnline) {
			offline = append(offline, fmt.Sprintf("%s is %s", in.ID, in.PingStatus))
		}
	}
	if len(offline) > 0 {
		return nil, fmt.Errorf("%w: %s; wait for the agent to reconnect or replace the instance; nothing was sent", ErrOffline, strings.Join(offline, ", "))
	}
	return instances, nil
}

// Invocation is the end state of a command on one instance.
type Invocation struct {
	InstanceID    string
	CommandID     string
	Status        string
	StatusDetails string
	Stdout        string
	Stderr        string
}

// Invoke sends script to up to 50 instances as one command and waits until
// each invocation reaches a terminal status or the wait deadline passes. It
// returns the invocations it saw finish; the error reports a failed send or
// a deadline, not a failed script (see Invocation.Status).
func (r *Runner) Invoke(ctx context.Context, instanceIDs []string, script string) (string, []Invocation, error) {
	in, err := r.SendInput(instanceIDs, script)
	if err != nil {
		return "", nil, err
	}
	out, err := r.api.SendCommand(ctx, in)
	if err != nil {
		return "", nil, fmt.Errorf("sending the command to %s (nothing ran): %w", strings.Join(instanceIDs, ", "), err)
	}
	cmdID := aws.ToString(out.Command.CommandId)
	r.log.Info("command sent", "command_id", cmdID, "instances", len(instanceIDs))

	limit := r.waitTimeout
	if limit == 0 {
		limit = r.deliveryTimeout + time.Duration(r.waves(len(instanceIDs)))*r.executionTimeout + time.Minute
	}
	deadline := time.Now().Add(limit)
	pending := slices.Clone(instanceIDs)
	done := map[string]Invocation{}
	last := map[string]string{} // last status seen of unfinished invocations
	failures := 0
	delay := r.pollInitial
	for {
		var still []string
		for _, id := range pending {
			inv, finished, err := r.poll(ctx, cmdID, id)
			if err != nil {
				return cmdID, collect(done, instanceIDs), err
			}
			if finished {
				done[id] = inv
				if inv.Status != "Success" {
					failures++
				}
				r.log.Info("invocation finished", "instance", id, "status", inv.Status, "details", inv.StatusDetails)
			} else {
				last[id] = inv.Status
				still = append(still, id)
			}
		}
		pending = still
		// Past MaxErrors SSM sends no more: what has not started never will.
		if r.maxErrorsReached(failures, len(instanceIDs)) {
			still = nil
			for _, id := range pending {
				if s := last[id]; s == "" || s == "Pending" {
					done[id] = Invocation{InstanceID: id, CommandID: cmdID, Status: statusSkipped, StatusDetails: "not sent after MaxErrors"}
				} else {
					still = append(still, id)
				}
			}
			pending = still
		}
		if len(pending) == 0 {
			return cmdID, collect(done, instanceIDs), nil
		}
		if time.Now().Add(delay).After(deadline) {
			return cmdID, collect(done, instanceIDs), fmt.Errorf("%w: command %s still running on %s after %s; %s",
				ErrWaitTimeout, cmdID, strings.Join(pending, ", "), limit, hints[ErrWaitTimeout])
		}
		select {
		case <-ctx.Done():
			return cmdID, collect(done, instanceIDs), fmt.Errorf("waiting for command %s: %w", cmdID, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(delay+delay/2, r.pollMax)
	}
}

// maxErrorsReached reports whether failures exceed MaxErrors for a batch of n.
func (r *Runner) maxErrorsReached(failures, n int) bool {
	limit, err := strconv.Atoi(strings.TrimSuffix(r.maxErrors, "%"))
	if err != nil {
		return false
	}
	if strings.HasSuffix(r.maxErrors, "%") {
		limit = n * limit / 100
	}
	return failures > limit
}

// waves is how many rounds of MaxConcurrency hosts a batch of n takes.
func (r *Runner) waves(n int) int {
	c, err := strconv.Atoi(strings.TrimSuffix(r.maxConcurrency, "%"))
	if err != nil || c < 1 {
		return n
	}
	if strings.HasSuffix(r.maxConcurrency, "%") {
		c = max(1, n*c/100)
	}
	return (n + c - 1) / c
}

func collect(done map[string]Invocation, order []string) []Invocation {
	var out []Invocation
	for _, id := range order {
		if inv, ok := done[id]; ok {
			out = append(out, inv)
		}
	}
	return out
}

// poll asks for one invocation. Not-yet-existing invocations and throttling
// count as "not finished"; other errors end the wait.
func (r *Runner) poll(ctx context.Context, cmdID, instanceID string) (Invocation, bool, error) {
	out, err := r.api.GetCommandInvocation(ctx, &ssm.GetCommandInvocationInput{CommandId: aws.String(cmdID), InstanceId: aws.String(instanceID)})
	if err != nil {
		var notYet *types.InvocationDoesNotExist
		if errors.As(err, &notYet) {
			return Invocation{}, false, nil // SSM has not created it yet
		}
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) && isThrottle(apiErr.ErrorCode()) {
			r.log.Warn("throttled while waiting; backing off", "command_id", cmdID)
			return Invocation{}, false, nil
		}
		return Invocation{}, false, fmt.Errorf("reading command %s on %s: %w", cmdID, instanceID, err)
	}
	inv := Invocation{
		InstanceID:    instanceID,
		CommandID:     cmdID,
		Status:        string(out.Status),
		StatusDetails: aws.ToString(out.StatusDetails),
		Stdout:        aws.ToString(out.StandardOutputContent),
		Stderr:        aws.ToString(out.StandardErrorContent),
	}
	_, terminal := classify(inv.Status, inv.StatusDetails)
	return inv, terminal && inv.Status != statusSkipped, nil
}

// HostResult is the outcome of the rollout script on one instance.
type HostResult struct {
	InstanceID string `json:"instance_id"`
	// Outcome is "deployed", "unchanged" (the host already served the
	// image), "failed", "not_attempted" (the script never ran there: an
	// earlier batch failed, or SSM stopped at MaxErrors), or "rolled_back"
	// (deployed, then rolled back because a later host failed).
	Outcome   string             `json:"outcome"`
	CommandID string             `json:"command_id,omitempty"`
	Status    string             `json:"ssm_status,omitempty"`
	Result    *hostresult.Result `json:"result,omitempty"`
	Error     string             `json:"error,omitempty"`
	// RollbackError says why rolling the host back failed; it then stays
	// "deployed" on the new release.
	RollbackError string `json:"rollback_error,omitempty"`
}

// Host outcomes other than the script's own deployed and unchanged.
const (
	OutcomeFailed       = hostresult.StatusFailed
	OutcomeNotAttempted = "not_attempted"
	OutcomeRolledBack   = hostresult.StatusRolledBack
)

// outcome is h's Outcome, from its SSM status, result and error.
func outcome(h HostResult) string {
	switch {
	case h.Status == statusSkipped:
		return OutcomeNotAttempted
	case h.Error == "" && h.Result != nil && h.Result.OK():
		return h.Result.Status
	default:
		return OutcomeFailed
	}
}

// invocationOutcome reads the script's result from a finished invocation. The error
// is an *InvocationError unless the status is Success and the result OK.
func invocationOutcome(inv Invocation) (*hostresult.Result, error) {
	kind, _ := classify(inv.Status, inv.StatusDetails)
	e := &InvocationError{
		InstanceID: inv.InstanceID, CommandID: inv.CommandID,
		Status: inv.Status, StatusDetails: inv.StatusDetails,
		StdoutTail: tail(inv.Stdout), StderrTail: tail(inv.Stderr),
	}
	res, perr := hostresult.Parse(inv.Stdout)
	if perr == nil {
		e.Result = &res
	}
	switch {
	case kind != nil:
		e.Kind = kind
	case perr != nil && utf8.RuneCountInString(inv.Stdout) >= StdoutLimit:
		e.Kind = ErrOutputTruncated
	case perr != nil:
		e.Kind = ErrNoResult
	case !res.OK():
		e.Kind = ErrFailed // the script reported failure yet exited 0
	default:
		return &res, nil
	}
	if e.Result == nil && kind != nil && utf8.RuneCountInString(inv.Stdout) >= StdoutLimit {
		e.StdoutTail = "(cut by SSM at 24,000 characters; the result line was lost)\n" + e.StdoutTail
	}
	return e.Result, e
}

func tail(s string) string {
	if utf8.RuneCountInString(s) <= tailChars {
		return s
	}
	return hostresult.Tail(s, tailChars)
}

// Run pre-flights targets, then sends script in batches of the batch size
// (autoBatchSize of the targets unless set) and waits for each batch. It
// stops at the first batch with a failure: the following batches are not
// sent. The results cover every target, in order, those of the batches
// never sent as OutcomeNotAttempted; the error joins each failure.
func (r *Runner) Run(ctx context.Context, t Targets, script string) ([]HostResult, error) {
	tr := Transport(r)
	if r.transport != nil {
		tr = r.transport
	}
	instances, err := tr.Preflight(ctx, t)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(instances))
	for i, in := range instances {
		ids[i] = in.ID
	}
	size := r.batchSize
	if size == 0 {
		size = autoBatchSize(len(ids))
	}
	batches := slices.Collect(slices.Chunk(ids, size))
	var results []HostResult
	for n, batch := range batches {
		r.log.Info("rollout batch", "batch", n+1, "of", len(batches), "size", size, "instances", strings.Join(batch, ","))
		cmdID, invs, waitErr := tr.Invoke(ctx, batch, script)
		hosts, errs := batchResults(batch, cmdID, invs, waitErr)
		results = append(results, hosts...)
		if len(errs) == 0 && r.batchCheck != nil {
			if err := r.batchCheck(ctx); err != nil {
				errs = append(errs, fmt.Errorf("batch %d of %d deployed, then: %w", n+1, len(batches), err))
			}
		}
		if len(errs) > 0 {
			if rest := batches[n+1:]; len(rest) > 0 {
				var later []string
				for _, b := range rest {
					for _, id := range b {
						results = append(results, HostResult{InstanceID: id, Outcome: OutcomeNotAttempted})
						later = append(later, id)
					}
				}
				errs = append(errs, fmt.Errorf("batch %d of %d failed: the %d later batch(es) were not sent; %s stay on their release", n+1, len(batches), len(rest), strings.Join(later, ", ")))
			}
			if r.rollbackScript != "" {
				errs = append(errs, r.rollBackMoved(ctx, tr, results))
			}
			return results, errors.Join(errs...)
		}
	}
	return results, nil
}

// rollBackMoved runs the rollback script on the hosts of results that
// this rollout deployed, so that a failed rollout leaves them on the
// release they had. It runs even when ctx has ended (an interrupted job
// must not leave the fleet split), within the runner's own bounds. It
// updates their outcomes and says what it did.
func (r *Runner) rollBackMoved(ctx context.Context, tr Transport, results []HostResult) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.deliveryTimeout+r.executionTimeout)
	defer cancel()
	index := map[string]int{}
	var moved []string
	for i, h := range results {
		if h.Outcome == hostresult.StatusDeployed {
			index[h.InstanceID] = i
			moved = append(moved, h.InstanceID)
		}
	}
	if len(moved) == 0 {
		return nil
	}
	r.log.Warn("rolling back the hosts this rollout moved", "instances", strings.Join(moved, ","))
	var errs []error
	done := 0
	for batch := range slices.Chunk(moved, MaxInstanceIDsPerCall) {
		cmdID, invs, waitErr := tr.Invoke(ctx, batch, r.rollbackScript)
		hosts, batchErrs := batchResults(batch, cmdID, invs, waitErr)
		for _, h := range hosts {
			i, ok := index[h.InstanceID]
			if !ok {
				continue
			}
			if h.Error != "" {
				results[i].RollbackError = h.Error
				continue
			}
			results[i].Outcome = OutcomeRolledBack
			done++
		}
		if len(batchErrs) > 0 {
			errs = append(errs, fmt.Errorf("rolling back %s: %w", strings.Join(batch, ", "), errors.Join(batchErrs...)))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d of the %d host(s) this rollout had moved were rolled back; the others still serve the new release: %w", done, len(moved), errors.Join(errs...))
	}
	return fmt.Errorf("the %d host(s) this rollout had moved (%s) were rolled back to their previous release", len(moved), strings.Join(moved, ", "))
}

// batchResults reads what one command did on the hosts of batch: a result
// per host that answered, and one failed with the wait's error for each
// host that did not; errs holds each host's error and the wait's, once.
func batchResults(batch []string, cmdID string, invs []Invocation, waitErr error) (hosts []HostResult, errs []error) {
	seen := map[string]bool{}
	for _, inv := range invs {
		seen[inv.InstanceID] = true
		res, err := invocationOutcome(inv)
		hr := HostResult{InstanceID: inv.InstanceID, CommandID: inv.CommandID, Status: inv.Status, Result: res}
		if err != nil {
			hr.Error = err.Error()
			errs = append(errs, err)
		}
		hr.Outcome = outcome(hr)
		hosts = append(hosts, hr)
	}
	if waitErr != nil {
		for _, id := range batch {
			if !seen[id] {
				hosts = append(hosts, HostResult{InstanceID: id, Outcome: OutcomeFailed, CommandID: cmdID, Error: waitErr.Error()})
			}
		}
		errs = append(errs, waitErr)
	}
	return hosts, errs
}

func isThrottle(code string) bool {
	_, ok := retry.DefaultThrottleErrorCodes[code]
	return ok
}
