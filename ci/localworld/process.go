package localworld

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// process is a server started in its own process group, so that stopping
// it also stops anything it spawned.
type process struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

// startServer starts bin with args (and extra environment) in a new process
// group with its output in logPath, then waits up to limit until readyURL
// answers. A server that exits or never answers is stopped and reported
// with its log's path.
func startServer(ctx context.Context, name, bin string, args, env []string, logPath, readyURL string, limit time.Duration) (*process, error) {
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
	p := &process{cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	waitCtx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	if err := waitHTTP(waitCtx, readyURL, p.exited); err != nil {
		p.stop()
		return nil, fmt.Errorf("%s did not start (log: %s): %w", name, logPath, err)
	}
	return p, nil
}

// pid is the process's id, which is also its process group's.
func (p *process) pid() int { return p.cmd.Process.Pid }

// stop sends SIGTERM to the process group, then SIGKILL if it is still
// there after five seconds.
func (p *process) stop() {
	_ = syscall.Kill(-p.pid(), syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
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
