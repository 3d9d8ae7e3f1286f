package simhost

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/gangway-dev/gangway/ci/hostresult"
	"github.com/gangway-dev/gangway/ci/rollout"
)

// Run runs the rollout script for p on this machine with "bash -s" (as the
// host's root would run it through SSM) and returns its result. The script's
// output is copied to out when out is not nil; env adds variables to the
// script's environment. The error is nil only when the result is OK;
// otherwise it says why, and the Result is still returned when the script
// printed one.
func Run(ctx context.Context, p rollout.Params, out io.Writer, env ...string) (hostresult.Result, error) {
	script, err := rollout.Render(p)
	if err != nil {
		return hostresult.Result{}, err
	}
	output, runErr := runScript(ctx, script, out, env...)
	res, perr := hostresult.Parse(output)
	if perr != nil {
		return hostresult.Result{}, fmt.Errorf("rollout script: %w; output tail:\n%s", errors.Join(runErr, perr), hostresult.Tail(output, 2000))
	}
	if !res.OK() {
		return res, fmt.Errorf("rollout %s: %s", res.Status, res.Message)
	}
	if runErr != nil {
		return res, fmt.Errorf("rollout script reported %s but exited with %w", res.Status, runErr)
	}
	return res, nil
}

// runScript runs script with "bash -s", as the host's root would run it
// through SSM, and returns its output (stdout and stderr, also copied to out
// when out is not nil) and how it exited. env adds variables.
func runScript(ctx context.Context, script string, out io.Writer, env ...string) (string, error) {
	var buf bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", "-s")
	cmd.Stdin = strings.NewReader(script)
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	w := io.Writer(&buf)
	if out != nil {
		w = io.MultiWriter(&buf, out)
	}
	cmd.Stdout, cmd.Stderr = w, w
	err := cmd.Run()
	return buf.String(), err
}
