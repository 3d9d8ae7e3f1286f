// Package localcli is the pipeline-local command: the whole flow on this
// machine against the local world. It is its own command, apart from the
// pipeline CLI (package cli) that CI runs, so that the CI binary links none
// of the local world (PostgreSQL's driver, podman hosts, test runners): see
// `go list -deps ./cmd/pipeline`. Each step still runs in process through
// cli.Main, the very code the workflows and the Dagger module run.
package localcli

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/term"

	"github.com/gangway-dev/gangway/ci/cli"
	"github.com/gangway-dev/gangway/ci/localflow"
	"github.com/gangway-dev/gangway/ci/reporoot"
)

// summary is the command's one-line description.
const summary = "run the whole flow on this machine: preview, test deploy, integration gate, approval, prod deploy"

// Main parses args (the flags after the command name), runs the local flow
// and returns the exit code, with cli's conventions: the JSON result on
// sys.Stdout, progress and errors on sys.Stderr, 2 for bad usage. stdin is
// where an approval is asked for when it is a terminal (sys.Stdin is not
// read).
func Main(ctx context.Context, args []string, stdin *os.File, sys cli.IO) int {
	stdout, stderr, getenv := sys.Stdout, sys.Stderr, sys.Getenv
	fs := flag.NewFlagSet("pipeline-local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "pipeline-local: %s\n\nFlags:\n", summary)
		fs.PrintDefaults()
	}
	var o options
	fs.BoolVar(&o.approve, "approve", false, "approve the production deploy in advance (unattended runs); without it a terminal prompt asks")
	fs.BoolVar(&o.broken, "break", false, "build a release with a real defect in its database writes: the integration gate must stop it")
	fs.BoolVar(&o.brokenLate, "break-late", false, "build a release that passes the health gate and fails a few seconds after its cutover: the rollout's bake must switch back")
	fs.DurationVar(&o.bake, "bake", 0, "how long each host watches a new release after its cutover (default 60s in prod, 10s in test, as pipeline rollout)")
	fs.BoolVar(&o.redeploy, "redeploy", false, "deploy again what the kept world's test serves, with no build: hosts already serving it are left alone")
	fs.BoolVar(&o.keep, "keep", false, "leave the local world running for the next run (which then makes a changed deploy)")
	fs.StringVar(&o.report, "report", "", "write the JSON report to this file")
	fs.StringVar(&o.dir, "dir", "", "state directory for the world, hosts and plans (default .local at the repository root)")
	fs.BoolVar(&o.down, "down", false, "stop and remove a kept world, then exit")
	fs.BoolVar(&o.status, "status", false, "show what a kept world runs (hosts, images, a run waiting for approval), then exit")
	fs.BoolVar(&o.verbose, "verbose", false, "stream every tool's output to the console too (it always goes to a log file per stage)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cli.ExitOK
		}
		return cli.ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "pipeline-local: unexpected arguments: %v\n", fs.Args())
		return cli.ExitUsage
	}
	err := o.run(ctx, stdin, stdout, stderr, getenv, sys.Dir)
	if err == nil {
		return cli.ExitOK
	}
	fmt.Fprintf(stderr, "pipeline-local: %v\n", err)
	var ue *cli.UsageError
	if errors.As(err, &ue) {
		return cli.ExitUsage
	}
	return cli.ExitFailure
}

// options are the command's flags.
type options struct {
	approve    bool
	broken     bool
	brokenLate bool
	bake       time.Duration
	redeploy   bool
	keep       bool
	report     string
	dir        string
	down       bool
	status     bool
	verbose    bool
}

func (o options) run(ctx context.Context, stdin *os.File, stdout, stderr io.Writer, getenv func(string) string, workDir string) error {
	if o.bake < 0 || o.bake > time.Hour || o.bake%time.Second != 0 {
		return usagef("--bake %s: want whole seconds up to 1h", o.bake)
	}
	if o.broken && o.brokenLate {
		return usagef("--break and --break-late build two different defective releases: choose one")
	}
	if o.redeploy && (o.broken || o.brokenLate) {
		return usagef("--redeploy deploys what test serves and --break or --break-late builds a defective release: choose one")
	}
	root, err := reporoot.Find(cmp.Or(workDir, "."))
	if err != nil {
		return err
	}
	if o.status {
		st, err := localflow.Status(root, o.dir)
		if err != nil {
			return err
		}
		printStatus(stderr, st)
		return writeJSON(stdout, st)
	}
	if o.down {
		stopped, err := localflow.Down(root, o.dir)
		if err != nil {
			return err
		}
		if !stopped {
			fmt.Fprintf(stderr, "no kept world in %s: nothing to stop\n", cmp.Or(o.dir, filepath.Join(root, ".local")))
		}
		return writeJSON(stdout, map[string]any{"stopped": stopped})
	}
	rep, err := localflow.Run(ctx, localflow.Options{
		Root:       root,
		Dir:        o.dir,
		Approve:    o.approve,
		Break:      o.broken,
		BreakLate:  o.brokenLate,
		Bake:       o.bake,
		Redeploy:   o.redeploy,
		Keep:       o.keep,
		ReportPath: o.report,
		Stdin:      stdin,
		Console:    stderr,
		Terminal:   liveTerminal(stderr),
		Verbose:    o.verbose,
		Step:       inProcessStep(getenv, root),
	})
	if rep != nil {
		_ = writeJSON(stdout, map[string]any{"result": rep.Result, "reason": rep.Reason, "version": rep.Version, "digest": rep.Digest, "report": o.report})
	}
	if errors.Is(err, localflow.ErrApprovalRequired) {
		return &cli.UsageError{Err: err}
	}
	return err
}

// usagef returns a *cli.UsageError with a formatted message.
func usagef(format string, args ...any) error {
	return &cli.UsageError{Err: fmt.Errorf(format, args...)}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// inProcessStep runs a pipeline subcommand in this process through
// cli.Main, with env laid over the process environment: the local flow uses
// the very steps that the workflows and the Dagger module run.
func inProcessStep(parent func(string) string, root string) func(context.Context, map[string]string, io.Writer, ...string) ([]byte, error) {
	return func(ctx context.Context, env map[string]string, stderr io.Writer, args ...string) ([]byte, error) {
		getenv := func(k string) string {
			if v, ok := env[k]; ok {
				return v
			}
			return parent(k)
		}
		var stdout bytes.Buffer
		if code := cli.Main(ctx, args, cli.IO{Stdout: &stdout, Stderr: stderr, Getenv: getenv, Dir: root}); code != cli.ExitOK {
			return stdout.Bytes(), fmt.Errorf("exit code %d", code)
		}
		return stdout.Bytes(), nil
	}
}

// liveTerminal reports whether w is a terminal with a size, where stage
// lines can be redrawn in place (a pseudo-terminal without a size is not).
func liveTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return false
	}
	width, _, err := term.GetSize(int(f.Fd()))
	return err == nil && width > 0
}

// printStatus says on w what a kept world runs.
func printStatus(w io.Writer, st localflow.WorldStatus) {
	if !st.Kept && st.Runs == 0 {
		fmt.Fprintf(w, "no kept world in %s: `pipeline-local` starts one\n", st.Dir)
		return
	}
	fmt.Fprintf(w, "world in %s (kept: %t, %d run(s))\n", st.Dir, st.Kept, st.Runs)
	for _, env := range []string{"test", "prod"} {
		if h, ok := st.Hosts[env]; ok {
			fmt.Fprintf(w, "  %-4s %s serves %s\n", env, h.URL, cmp.Or(h.Image, "nothing yet"))
		}
	}
	if wt := st.Waiting; wt != nil {
		fmt.Fprintf(w, "waiting for approval since %s: %s (%s), prod plan %s, sha256 %s\n  `pipeline-local --approve` deploys it\n",
			wt.Since.Format("2006-01-02 15:04:05"), wt.Version, wt.Image, wt.Plan, wt.PlanSHA256)
	}
}
