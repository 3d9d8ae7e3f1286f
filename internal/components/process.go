package components

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// ErrMissing reports that a component's program is not installed.
var ErrMissing = errors.New("component not installed")

// LookPath finds program on PATH, or returns an error wrapping ErrMissing
// that says how to install it.
func LookPath(program, install string) (string, error) {
	path, err := exec.LookPath(program)
	if err != nil {
		return "", fmt.Errorf("%s: %w (%s)", program, ErrMissing, install)
	}
	return path, nil
}

// Process is a server started in its own process group, so that stopping
// it also stops anything it spawned.
type Process struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

// StartServer starts bin with args (and extra environment) in a new process
// group with its output in logPath, then waits up to limit until readyURL
// answers. A server that exits or never answers is stopped and reported
// with its log's path.
func StartServer(ctx context.Context, name, bin string, args, env []string, logPath, readyURL string, limit time.Duration) (*Process, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("creating the %s log: %w", name, err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &Process{cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	waitCtx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	if err := waitHTTP(waitCtx, readyURL, p.exited); err != nil {
		p.Stop()
		return nil, fmt.Errorf("%s did not start (log: %s): %w", name, logPath, err)
	}
	return p, nil
}

// Pid is the process's id, which is also its process group's.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Stop sends SIGTERM to the process group, then SIGKILL if it is still
// there after five seconds. Calling it twice is harmless.
func (p *Process) Stop() {
	select {
	case <-p.exited:
		return // reaped: its pid may lead another group by now
	default:
	}
	_ = syscall.Kill(-p.Pid(), syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-p.Pid(), syscall.SIGKILL)
		<-p.exited
	}
}

// KillGroup ends a process group started by an earlier run (recorded by its
// leader's pid): SIGTERM, then SIGKILL after five seconds. A group that is
// already gone is not an error.
func KillGroup(pid int) {
	if pid <= 0 || syscall.Kill(-pid, syscall.SIGTERM) != nil {
		return
	}
	for range 50 {
		time.Sleep(100 * time.Millisecond)
		if syscall.Kill(-pid, 0) != nil {
			return
		}
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}

// waitHTTP polls url until it answers with any HTTP status, the context ends,
// or exited is closed (the process died).
func waitHTTP(ctx context.Context, url string, exited <-chan struct{}) error {
	client := &http.Client{Timeout: time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", url, ctx.Err())
		case <-exited:
			return fmt.Errorf("waiting for %s: the process exited", url)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
