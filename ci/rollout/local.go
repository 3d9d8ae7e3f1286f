package rollout

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// RunLocal runs the script for p on this machine with "bash -s" (as the
// host's root would run it through SSM) and returns its result. The script's
// output is copied to out when out is not nil. The error is nil only when the
// result is OK; otherwise it says why, and the Result is still returned when
// the script printed one.
func RunLocal(ctx context.Context, p Params, out io.Writer) (Result, error) {
	return runLocal(ctx, p, out, nil)
}

// runLocal is RunLocal with extra environment variables for the script.
func runLocal(ctx context.Context, p Params, out io.Writer, env []string) (Result, error) {
	script, err := Render(p)
	if err != nil {
		return Result{}, err
	}
	var buf bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", "-s")
	cmd.Stdin = strings.NewReader(script)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	w := io.Writer(&buf)
	if out != nil {
		w = io.MultiWriter(&buf, out)
	}
	cmd.Stdout, cmd.Stderr = w, w
	runErr := cmd.Run()
	res, perr := ParseResult(buf.String())
	if perr != nil {
		return Result{}, fmt.Errorf("rollout script (%v): %w; output tail:\n%s", runErr, perr, Tail(buf.String(), 2000))
	}
	if !res.OK() {
		return res, fmt.Errorf("rollout %s: %s", res.Status, res.Message)
	}
	if runErr != nil {
		return res, fmt.Errorf("rollout script reported %s but exited with %v", res.Status, runErr)
	}
	return res, nil
}

// Tail returns at most the last n bytes of s, starting at a line boundary
// when one is near.
func Tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	if i := strings.IndexByte(s, '\n'); i >= 0 && i < 200 {
		s = s[i+1:]
	}
	return "…" + s
}
