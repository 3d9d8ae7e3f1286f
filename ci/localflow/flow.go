package localflow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gangway-dev/gangway/ci/localworld/simhost"
	"github.com/gangway-dev/gangway/ci/progress"
	"github.com/gangway-dev/gangway/ci/tf"
)

// Options configure one run of the local flow.
type Options struct {
	// Root is the repository root (holding go.mod, app/, tests/, terraform/).
	Root string
	// Dir keeps the world, the hosts, plans and builds between steps
	// (default Root/.local).
	Dir string
	// Approve approves the production deploy in advance (unattended runs).
	Approve bool
	// Break builds a release with a real defect in its database writes, to
	// show the integration gate stopping the flow.
	Break bool
	// BreakLate builds a release that passes the health gate and fails a
	// few seconds after its cutover, to show the bake switching back.
	BreakLate bool
	// Bake overrides each environment's bake (rollout.DefaultBake) when
	// positive.
	Bake time.Duration
	// Redeploy deploys again, with no new build, the digest the kept
	// world's test serves: every host already serving it is left alone.
	Redeploy bool
	// Keep leaves the world running after the run, for a later run to reuse.
	Keep bool
	// ReportPath is where the JSON report goes ("" for none).
	ReportPath string
	// Stdin is where an interactive approval is read from.
	Stdin *os.File
	// Console receives the progress: one line per stage, the approval
	// prompt, the timeline. Every tool's own output goes to a log file per
	// stage instead (under Dir/logs), unless Verbose.
	Console io.Writer
	// Terminal says Console is a terminal: stage lines are redrawn in place.
	Terminal bool
	// Verbose streams every tool's output to Console as well.
	Verbose bool
	// Step runs one pipeline CLI subcommand with env laid over the process
	// environment, its logs going to stderr, and returns its stdout (the
	// JSON result).
	Step func(ctx context.Context, env map[string]string, stderr io.Writer, args ...string) ([]byte, error)
}

// Result values of a Report.
const (
	ResultDeployed         = "deployed"
	ResultGateFailed       = "gate_failed"
	ResultApprovalRequired = "approval_required"
	ResultRejected         = "rejected"
	ResultFailed           = "failed"
)

// work is what each stage does. flow orders the stages, records them and
// keeps the report; the local world does the work (localWork), and the
// tests of that ordering use a fake that answers in microseconds.
type work interface {
	preflight() error
	startWorld(context.Context) (string, error)
	reopenWorld(context.Context) (string, error)
	preview(context.Context) (string, error)
	deployTest(context.Context) (string, error)
	integrationTests(context.Context) (string, error)
	storeProdPlan(context.Context) (string, error)
	approve(context.Context) (string, error)
	deployProd(context.Context) (string, error)
	checkDrift(context.Context) (string, error)
	// opened reports whether a world was opened: a run stopped for the
	// approval keeps it, to be continued.
	opened() bool
	// finish keeps the world (--keep, or waiting) or stops it.
	finish()
}

// localWork is the stages' work in the local world: the methods of flow in
// stages.go and drift.go.
type localWork struct{ *flow }

func (w localWork) opened() bool { return w.world != nil }

// flow is one run in progress.
type flow struct {
	opts   Options
	work   work
	report *Report
	world  *world
	env    map[string]string // what every pipeline step sees
	hosts  map[string][]*simhost.Host
	// client trusts the world's CA alone: every request to the app goes
	// through its load balancer over TLS, as users' requests do.
	client *http.Client
	images []string // local image references to remove at cleanup
	// commit is the checkout's revision, recorded in the reviewed plan.
	commit string
	// redeployImage is the digest a --redeploy run deploys ("" otherwise).
	redeployImage string
	// prodPlan is the stored plan the approval is for.
	prodPlan *tf.PlanOutput
	// console shows the stages; logDir holds one log file per stage, and
	// log is the running stage's (everything tools print goes there).
	console *progress.Console
	logDir  string
	log     io.Writer
	// waiting is set when the run stopped for the approval: the world is
	// kept with test deployed, and the next run continues from there.
	waiting bool
	// roles are the roles the running stage's steps assumed; worldRoles
	// the administrator sessions the world itself used in it.
	roles, worldRoles []string
	// tokens maps an environment to its OIDC token file (writeTokens).
	tokens map[string]string
}

// Run runs the whole flow and returns its report. The error is nil only when
// every stage passed (production deployed and the drift check shown
// working); the report says how far the flow got either way.
func Run(ctx context.Context, opts Options) (*Report, error) {
	f, err := newFlow(opts)
	if err != nil {
		return nil, err
	}
	return f.execute(ctx)
}

// newFlow prepares a run in the local world: its report, console and log
// directory.
func newFlow(opts Options) (*flow, error) {
	if opts.Dir == "" {
		opts.Dir = filepath.Join(opts.Root, ".local")
	}
	if opts.Console == nil {
		opts.Console = io.Discard
	}
	f := &flow{
		opts:    opts,
		report:  &Report{Started: time.Now(), Seams: seams},
		hosts:   map[string][]*simhost.Host{},
		console: progress.New(opts.Console, opts.Terminal && !opts.Verbose),
	}
	f.log = f.console.Writer()
	if !opts.Verbose {
		f.log = io.Discard
	}
	logs := filepath.Join(opts.Dir, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return nil, fmt.Errorf("creating the log directory: %w", err)
	}
	// Named by the run's start, made unique for runs that start together.
	dir, err := os.MkdirTemp(logs, time.Now().Format("20060102-150405")+"-")
	if err != nil {
		return nil, fmt.Errorf("creating the log directory: %w", err)
	}
	f.logDir = dir
	f.work = localWork{f}
	return f, nil
}

// execute runs the flow, or continues the one waiting for the approval,
// and writes the report.
func (f *flow) execute(ctx context.Context) (*Report, error) {
	opts := f.opts
	f.console.Printf("logs: %s (one file per stage; --verbose shows them here)", f.logDir)
	var err error
	switch p, perr := readPending(opts.Dir); {
	case perr != nil:
		f.console.Printf("ignoring the run waiting for approval: %v; starting a fresh run", perr)
		err = f.run(ctx)
	case opts.Break && opts.BreakLate:
		err = errors.New("--break and --break-late build two different defective releases: choose one")
	case opts.Redeploy && f.defect() != nil:
		err = fmt.Errorf("--redeploy deploys what test serves and %s builds a defective release: choose one", f.defect().flag)
	case p != nil && opts.Redeploy:
		err = fmt.Errorf("a run of %s waits for approval in %s: --approve continues it, or --down removes the world; then --redeploy", p.Report.Version, opts.Dir)
	case p != nil && f.defect() == nil:
		f.console.Printf("continuing the run of %s waiting for approval since %s (a run with --break or --break-late starts afresh)", p.Report.Version, p.Since.Format(time.DateTime))
		err = f.resume(ctx, p)
	case p != nil:
		f.console.Printf("%s: discarding the run of %s that waited for approval; starting a fresh run", f.defect().flag, p.Report.Version)
		err = f.run(ctx)
	default:
		if opts.Approve {
			f.console.Printf("no run is waiting for approval in %s: starting a fresh run", opts.Dir)
		}
		err = f.run(ctx)
	}
	if errors.Is(err, ErrApprovalRequired) && f.work.opened() {
		f.waiting = true
		if perr := writePending(opts.Dir, pending{Since: time.Now(), Report: f.report, Commit: f.commit}); perr != nil {
			f.console.Printf("could not record the run waiting for approval: %v", perr)
			f.waiting = false
		}
	}
	f.report.Finished = time.Now()
	f.report.Seconds = f.report.Finished.Sub(f.report.Started).Seconds()
	if err != nil && f.report.Result == "" {
		f.report.Result, f.report.Reason = ResultFailed, err.Error()
	}
	f.report.WriteTimeline(f.console.Writer())
	if opts.ReportPath != "" {
		if werr := f.report.WriteFile(opts.ReportPath); werr != nil {
			err = errors.Join(err, werr)
		} else {
			f.console.Printf("report: %s", opts.ReportPath)
		}
	}
	f.work.finish()
	return f.report, err
}

func (f *flow) run(ctx context.Context) error {
	if err := f.work.preflight(); err != nil {
		return err
	}
	if err := f.stage(ctx, "world", f.work.startWorld); err != nil {
		return err
	}
	// The pull request's preview (test.yml, job preview), under test's
	// plan role.
	if err := f.stage(ctx, "preview", f.work.preview); err != nil {
		return err
	}
	// test.yml on develop: job deploy, then job integration-tests.
	if err := f.stage(ctx, "deploy-test", f.work.deployTest); err != nil {
		return err
	}
	if err := f.stage(ctx, "integration-tests", f.work.integrationTests); err != nil {
		f.report.Result = ResultGateFailed
		f.report.Reason = "integration tests failed on test: " + err.Error()
		f.skip("approval", "deploy-prod")
		return err
	}
	// prod.yml: the plan job (its summary and the digest are what the
	// reviewer approves), the approval, then the deploy job, which applies
	// exactly that plan and promotes the tested digest.
	if err := f.stage(ctx, "prod-plan", f.work.storeProdPlan); err != nil {
		f.skip("approval", "deploy-prod")
		return err
	}
	return f.toProduction(ctx)
}

// toProduction is prod.yml's deploy job after its plan job: the approval,
// the deploy of exactly the reviewed plan and the tested digest; then the
// daily drift check of drift.yml.
func (f *flow) toProduction(ctx context.Context) error {
	if err := f.stage(ctx, "approval", f.work.approve); err != nil {
		f.skip("deploy-prod")
		return err
	}
	if err := f.stage(ctx, "deploy-prod", f.work.deployProd); err != nil {
		return err
	}
	f.report.Result = ResultDeployed
	// drift.yml, daily: a change made behind Terraform's back is reported.
	return f.stage(ctx, "drift", f.work.checkDrift)
}

// resume continues a run that stopped for the approval, in the world it
// kept: the same report, plan and digest, from the approval on.
func (f *flow) resume(ctx context.Context, p *pending) error {
	if err := f.work.preflight(); err != nil {
		return err
	}
	f.report = p.Report
	f.report.Resumed = append(f.report.Resumed, time.Now())
	f.report.Result, f.report.Reason = "", ""
	// Drop the stopped approval and what it skipped: they run now.
	for len(f.report.Stages) > 0 {
		last := f.report.Stages[len(f.report.Stages)-1]
		if last.Result != Stopped && last.Result != Skipped {
			break
		}
		f.report.Stages = f.report.Stages[:len(f.report.Stages)-1]
	}
	f.commit, f.prodPlan = p.Commit, p.Report.ProdPlan
	if err := removePending(f.opts.Dir); err != nil {
		return err
	}
	if err := f.stage(ctx, "world", f.work.reopenWorld); err != nil {
		return err
	}
	if f.prodPlan == nil {
		return errors.New("the run waiting for approval recorded no prod plan: start a fresh run")
	}
	return f.toProduction(ctx)
}

// stage runs fn as the named stage and records its timing and result. Its
// tools' output goes to the stage's log file; the console shows one line,
// and the log's last lines when the stage fails.
func (f *flow) stage(ctx context.Context, name string, fn func(context.Context) (string, error)) error {
	s := Stage{Name: name, Started: time.Now()}
	logPath := filepath.Join(f.logDir, fmt.Sprintf("%02d-%s.log", len(f.report.Stages)+1, name))
	logFile, ferr := os.Create(logPath)
	if ferr != nil {
		return fmt.Errorf("%s: creating its log: %w", name, ferr)
	}
	defer logFile.Close()
	f.log = logFile
	if f.opts.Verbose {
		f.log = io.MultiWriter(logFile, f.console.Writer())
	}
	start := f.console.Start
	if name == "approval" { // it asks on the console itself
		start = f.console.StartPlain
	}
	line := start(name)
	f.roles, f.worldRoles = nil, nil
	detail, err := fn(ctx)
	s.Roles, s.WorldRoles = f.roles, f.worldRoles
	s.Finished = time.Now()
	s.Seconds = s.Finished.Sub(s.Started).Seconds()
	s.Result, s.Detail = Passed, detail
	switch {
	case errors.Is(err, ErrApprovalRequired):
		s.Result, s.Detail = Stopped, err.Error()
		f.report.Result, f.report.Reason = ResultApprovalRequired, err.Error()
	case errors.Is(err, ErrRejected):
		s.Result, s.Detail = Stopped, err.Error()
		f.report.Result, f.report.Reason = ResultRejected, err.Error()
	case err != nil:
		s.Result, s.Detail = Failed, err.Error()
	}
	f.report.Stages = append(f.report.Stages, s)
	line.Done(s.Result, s.Detail)
	if s.Result == Failed && !f.opts.Verbose {
		_ = logFile.Sync()
		if data, rerr := os.ReadFile(logPath); rerr == nil && len(data) > 0 {
			f.console.Printf("last lines of %s:\n%s", logPath, lastLines(string(data), 25))
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// lastLines is the end of a log, at most n lines.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// skip records stages that did not run because an earlier one stopped the flow.
func (f *flow) skip(names ...string) {
	now := time.Now()
	for _, n := range names {
		f.report.Stages = append(f.report.Stages, Stage{Name: n, Started: now, Finished: now, Result: Skipped})
	}
}

// defect is the bug this run builds into its release, if any.
func (f *flow) defect() *defect {
	switch {
	case f.opts.Break:
		return &gateDefect
	case f.opts.BreakLate:
		return &lateDefect
	}
	return nil
}
