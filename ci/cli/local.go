package cli

import (
	"cmp"
	stdio "io"
	"path/filepath"

	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/gangway-dev/gangway/ci/localflow"
	"github.com/gangway-dev/gangway/ci/reporoot"
)

func localCommand() command {
	return command{
		name:    "local",
		summary: "run the whole flow on this machine: preview, test deploy, integration gate, approval, prod deploy",
		setup: func(fs *flag.FlagSet) func(context.Context, IO) error {
			approve := fs.Bool("approve", false, "approve the production deploy in advance (unattended runs); without it a terminal prompt asks")
			broken := fs.Bool("break", false, "build a release with a real defect in its database writes: the integration gate must stop it")
			brokenLate := fs.Bool("break-late", false, "build a release that passes the health gate and fails a few seconds after its cutover: the rollout's bake must switch back")
			bake := fs.Duration("bake", 0, "how long each host watches a new release after its cutover (default 60s in prod, 10s in test, as pipeline rollout)")
			redeploy := fs.Bool("redeploy", false, "deploy again what the kept world's test serves, with no build: hosts already serving it are left alone")
			keep := fs.Bool("keep", false, "leave the local world running for the next run (which then makes a changed deploy)")
			report := fs.String("report", "", "write the JSON report to this file")
			dir := fs.String("dir", "", "state directory for the world, hosts and plans (default .local at the repository root)")
			down := fs.Bool("down", false, "stop and remove a kept world, then exit")
			status := fs.Bool("status", false, "show what a kept world runs (hosts, images, a run waiting for approval), then exit")
			verbose := fs.Bool("verbose", false, "stream every tool's output to the console too (it always goes to a log file per stage)")
			return func(ctx context.Context, io IO) error {
				if *bake < 0 || *bake > time.Hour || *bake%time.Second != 0 {
					return usagef("--bake %s: want whole seconds up to 1h", *bake)
				}
				if *broken && *brokenLate {
					return usagef("--break and --break-late build two different defective releases: choose one")
				}
				if *redeploy && (*broken || *brokenLate) {
					return usagef("--redeploy deploys what test serves and --break or --break-late builds a defective release: choose one")
				}
				root, err := reporoot.FromWorkingDir()
				if err != nil {
					return err
				}
				if *status {
					st, err := localflow.Status(root, *dir)
					if err != nil {
						return err
					}
					printStatus(io, st)
					return writeJSON(io.Stdout, st)
				}
				if *down {
					stopped, err := localflow.Down(root, *dir)
					if err != nil {
						return err
					}
					if !stopped {
						io.Log.Info("no kept world to stop: nothing to do", "dir", cmp.Or(*dir, filepath.Join(root, ".local")))
					}
					return writeJSON(io.Stdout, map[string]any{"stopped": stopped})
				}
				rep, err := localflow.Run(ctx, localflow.Options{
					Root:       root,
					Dir:        *dir,
					Approve:    *approve,
					Break:      *broken,
					BreakLate:  *brokenLate,
					Bake:       *bake,
					Redeploy:   *redeploy,
					Keep:       *keep,
					ReportPath: *report,
					Stdin:      os.Stdin,
					Console:    io.Stderr,
					Terminal:   liveTerminal(io.Stderr),
					Verbose:    *verbose,
					Step:       inProcessStep(io),
				})
				if rep != nil {
					_ = writeJSON(io.Stdout, map[string]any{"result": rep.Result, "reason": rep.Reason, "version": rep.Version, "digest": rep.Digest, "report": *report})
				}
				if errors.Is(err, localflow.ErrApprovalRequired) {
					return &UsageError{Err: err}
				}
				return err
			}
		},
	}
}

// inProcessStep runs a pipeline subcommand in this process, with env laid
// over the process environment: the local flow uses the very steps that the
// workflows and the Dagger module run.
func inProcessStep(parent IO) func(context.Context, map[string]string, stdio.Writer, ...string) ([]byte, error) {
	return func(ctx context.Context, env map[string]string, stderr stdio.Writer, args ...string) ([]byte, error) {
		getenv := func(k string) string {
			if v, ok := env[k]; ok {
				return v
			}
			return parent.Getenv(k)
		}
		var stdout bytes.Buffer
		if code := Main(ctx, args, &stdout, stderr, getenv); code != ExitOK {
			return stdout.Bytes(), fmt.Errorf("exit code %d", code)
		}
		return stdout.Bytes(), nil
	}
}

// liveTerminal reports whether w is a terminal with a size, where stage
// lines can be redrawn in place (a pseudo-terminal without a size is not).
func liveTerminal(w stdio.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return false
	}
	width, _, err := term.GetSize(int(f.Fd()))
	return err == nil && width > 0
}

// printStatus says on stderr what a kept world runs.
func printStatus(io IO, st localflow.WorldStatus) {
	if !st.Kept && st.Runs == 0 {
		fmt.Fprintf(io.Stderr, "no kept world in %s: `pipeline local` starts one\n", st.Dir)
		return
	}
	fmt.Fprintf(io.Stderr, "world in %s (kept: %t, %d run(s))\n", st.Dir, st.Kept, st.Runs)
	for _, env := range []string{"test", "prod"} {
		if h, ok := st.Hosts[env]; ok {
			fmt.Fprintf(io.Stderr, "  %-4s %s serves %s\n", env, h.URL, cmp.Or(h.Image, "nothing yet"))
		}
	}
	if w := st.Waiting; w != nil {
		fmt.Fprintf(io.Stderr, "waiting for approval since %s: %s (%s), prod plan %s, sha256 %s\n  `pipeline local --approve` deploys it\n",
			w.Since.Format("2006-01-02 15:04:05"), w.Version, w.Image, w.Plan, w.PlanSHA256)
	}
}
