package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/gangway-dev/gangway/ci/localflow"
)

func localCommand() command {
	return command{
		name:    "local",
		summary: "run the whole flow on this machine: preview, test deploy, integration gate, approval, prod deploy",
		setup: func(fs *flag.FlagSet) func(context.Context, IO) error {
			approve := fs.Bool("approve", false, "approve the production deploy in advance (unattended runs); without it a terminal prompt asks")
			broken := fs.Bool("break", false, "build a release with a real defect in its database writes: the integration gate must stop it")
			keep := fs.Bool("keep", false, "leave the local world running for the next run (which then makes a changed deploy)")
			report := fs.String("report", "", "write the JSON report to this file")
			dir := fs.String("dir", "", "state directory for the world, hosts and plans (default .local at the repository root)")
			down := fs.Bool("down", false, "stop and remove a kept world, then exit")
			return func(ctx context.Context, io IO) error {
				root, err := repoRoot()
				if err != nil {
					return err
				}
				if *down {
					stopped, err := localflow.Down(root, *dir)
					if err != nil {
						return err
					}
					if !stopped {
						io.Log.Info("no kept world to stop")
					}
					return writeJSON(io.Stdout, map[string]any{"stopped": stopped})
				}
				rep, err := localflow.Run(ctx, localflow.Options{
					Root:       root,
					Dir:        *dir,
					Approve:    *approve,
					Break:      *broken,
					Keep:       *keep,
					ReportPath: *report,
					Stdin:      os.Stdin,
					Out:        io.Stderr,
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
func inProcessStep(parent IO) func(context.Context, map[string]string, ...string) ([]byte, error) {
	return func(ctx context.Context, env map[string]string, args ...string) ([]byte, error) {
		getenv := func(k string) string {
			if v, ok := env[k]; ok {
				return v
			}
			return parent.Getenv(k)
		}
		var stdout bytes.Buffer
		if code := Main(ctx, args, &stdout, parent.Stderr, getenv); code != ExitOK {
			return stdout.Bytes(), fmt.Errorf("exit code %d", code)
		}
		return stdout.Bytes(), nil
	}
}
