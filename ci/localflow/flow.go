package localflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gangway-dev/gangway/ci/deploy"
	"github.com/gangway-dev/gangway/ci/imageref"
	"github.com/gangway-dev/gangway/ci/localworld/simhost"
	"github.com/gangway-dev/gangway/ci/progress"
	"github.com/gangway-dev/gangway/ci/testjson"
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

// flow is one run in progress.
type flow struct {
	opts   Options
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
	// roles are the roles the running stage's steps assumed.
	roles []string
	// tokens maps an environment to its OIDC token file (writeTokens).
	tokens map[string]string
}

// Run runs the whole flow and returns its report. The error is nil only when
// production was deployed; the report says how far the flow got either way.
func Run(ctx context.Context, opts Options) (*Report, error) {
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
		logDir:  filepath.Join(opts.Dir, "logs", time.Now().Format("20060102-150405")),
	}
	f.log = f.console.Writer()
	if !opts.Verbose {
		f.log = io.Discard
	}
	if err := os.MkdirAll(f.logDir, 0o755); err != nil {
		return nil, fmt.Errorf("creating the log directory: %w", err)
	}
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
	if errors.Is(err, ErrApprovalRequired) && f.world != nil {
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
	f.finish()
	return f.report, err
}

func (f *flow) run(ctx context.Context) error {
	if err := preflight(f.opts.Root); err != nil {
		return err
	}
	if err := f.stage(ctx, "world", f.startWorld); err != nil {
		return err
	}
	s := localSteps{f: f}
	// The pull request's preview (test.yml, job preview), under test's
	// plan role.
	if err := f.stage(ctx, "preview", func(ctx context.Context) (string, error) {
		plan, err := localSteps{f: f, role: planRole}.Plan(ctx, "test")
		if err != nil {
			return "", err
		}
		f.logf("%s", plan.Summary.Markdown("test"))
		return plan.Summary.Headline(), nil
	}); err != nil {
		return err
	}
	// test.yml on develop: job deploy, then job integration-tests.
	if err := f.stage(ctx, "deploy-test", func(ctx context.Context) (string, error) {
		rep, err := deploy.Run(ctx, s, deploy.Request{Env: "test", Image: f.redeployImage, Revision: f.report.Version, SkipIntegrationTests: true})
		f.report.TestDeploy = rep
		f.report.TestImage = rep.Image
		if ref, perr := imageref.Parse(rep.Image); perr == nil {
			f.report.Digest = ref.Digest
		}
		return deployDetail(rep), err
	}); err != nil {
		return err
	}
	if err := f.stage(ctx, "integration-tests", func(ctx context.Context) (string, error) {
		rep, err := deploy.Gate(ctx, s, deploy.GateRequest{AppURL: f.appURL("test"), Image: f.report.TestImage, Revision: f.report.Version})
		f.report.Gate = rep
		f.report.Tests = testResults(rep.Tests)
		for _, t := range f.report.Tests {
			mark := "✅"
			if t.Result != "pass" {
				mark = "❌"
			}
			f.logf("  %s %s (%.2fs)", mark, t.Name, t.Seconds)
		}
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%d checks passed against %s; gate record signed", len(rep.Tests.Passed()), f.appURL("test")), nil
	}); err != nil {
		f.report.Result = ResultGateFailed
		f.report.Reason = "integration tests failed on test: " + err.Error()
		f.skip("approval", "deploy-prod")
		return err
	}
	// prod.yml: the plan job (its summary and the digest are what the
	// reviewer approves), the approval, then the deploy job, which applies
	// exactly that plan and promotes the tested digest.
	if err := f.stage(ctx, "prod-plan", func(ctx context.Context) (string, error) {
		plan, err := s.StorePlan(ctx, "prod", fmt.Sprintf("local-run%d", f.world.state.Runs), f.commit)
		if err != nil {
			return "", err
		}
		f.prodPlan = &plan
		f.report.ProdPlan = &plan
		f.logf("%s\nTo deploy: %s (tested and attested on test)", plan.Summary.Markdown("prod"), f.report.TestImage)
		return fmt.Sprintf("%s; stored, sha256 %s", plan.Summary.Headline(), plan.BundleSHA256[:12]), nil
	}); err != nil {
		f.skip("approval", "deploy-prod")
		return err
	}
	return f.toProduction(ctx)
}

// toProduction is prod.yml's deploy job after its plan job: the approval,
// the deploy of exactly the reviewed plan and the tested digest; then the
// daily drift check of drift.yml.
func (f *flow) toProduction(ctx context.Context) error {
	if err := f.stage(ctx, "approval", f.approve); err != nil {
		f.skip("deploy-prod")
		return err
	}
	if err := f.stage(ctx, "deploy-prod", f.deployProd); err != nil {
		return err
	}
	f.report.Result = ResultDeployed
	// drift.yml, daily: a change made behind Terraform's back is reported.
	return f.stage(ctx, "drift", f.checkDrift)
}

// resume continues a run that stopped for the approval, in the world it
// kept: the same report, plan and digest, from the approval on.
func (f *flow) resume(ctx context.Context, p *pending) error {
	if err := preflight(f.opts.Root); err != nil {
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
	if err := f.stage(ctx, "world", func(ctx context.Context) (string, error) {
		if err := f.openWorld(ctx); err != nil {
			return "", err
		}
		if f.world.state.Runs == 0 {
			return "", errors.New("the world that waited for the approval is gone (a new one was started): run again for a fresh run")
		}
		if err := f.trustAttestationKey(ctx); err != nil {
			return "", err
		}
		return fmt.Sprintf("reused the world that waited for approval (test serves %s)", shortDigest(f.servingImage("test"))), nil
	}); err != nil {
		return err
	}
	if f.prodPlan == nil {
		return errors.New("the run waiting for approval recorded no prod plan: start a fresh run")
	}
	return f.toProduction(ctx)
}

// deployDetail is a stage's one-line detail from a deploy report.
func deployDetail(rep *deploy.Report) string {
	for _, st := range rep.Steps {
		if st.Name == deploy.StepRollout && st.Result == deploy.Passed {
			return fmt.Sprintf("deployed %s, rollout %.1fs", shortDigest(rep.Image), st.Seconds)
		}
	}
	return ""
}

// testResults lists the suite's leaf tests for the report.
func testResults(r *testjson.Report) []TestResult {
	if r == nil {
		return nil
	}
	var out []TestResult
	for _, t := range r.Tests {
		if t.Leaf {
			out = append(out, TestResult{Name: t.Name, Result: t.Result, Seconds: t.Seconds})
		}
	}
	return out
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
	f.roles = nil
	detail, err := fn(ctx)
	s.Roles = f.roles
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
	if arn := roleARN(env, r); !slices.Contains(f.roles, arn) {
		f.roles = append(f.roles, arn)
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

// preflight says exactly what is missing before anything starts.
func preflight(root string) error {
	var missing []string
	for _, p := range []struct{ program, install string }{
		{"terraform", "install terraform 1.11 (with the hashicorp/aws provider reachable or mirrored)"},
		{"moto_server", "pip install 'moto[server]==5.2.1'"},
		{"initdb", "apt-get install postgresql-15 and put /usr/lib/postgresql/15/bin on PATH"},
		{"pg_ctl", "apt-get install postgresql-15 and put /usr/lib/postgresql/15/bin on PATH"},
		{"docker-registry", "apt-get install docker-registry"},
		{"podman", "apt-get install podman runc (and see .ci/setup for containers.conf)"},
		{"slirp4netns", "apt-get install slirp4netns (the app containers' network)"},
		{"nginx", "apt-get install nginx-light"},
		{"go", "install Go 1.26"},
		{"flock", "apt-get install util-linux"},
		{"curl", "apt-get install curl"},
	} {
		if _, err := exec.LookPath(p.program); err != nil {
			missing = append(missing, fmt.Sprintf("%s (%s)", p.program, p.install))
		}
	}
	for _, d := range []string{"app", "tests", "terraform"} {
		if fi, err := os.Stat(filepath.Join(root, d)); err != nil || !fi.IsDir() {
			missing = append(missing, fmt.Sprintf("%s/ under %s (run from a checkout of the repository)", d, root))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the local flow needs:\n  - %s\n(bash .ci/setup installs all of them on Debian)", strings.Join(missing, "\n  - "))
	}
	return nil
}
