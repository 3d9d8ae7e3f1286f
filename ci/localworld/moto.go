package localworld

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Moto is a running moto_server.
type Moto struct {
	// Endpoint is the base URL to use as AWS_ENDPOINT_URL.
	Endpoint string
	cmd      *exec.Cmd
	exited   chan struct{}
}

// StartMoto starts moto_server on a free loopback port with AWS-managed IAM
// policies loaded, and waits until it answers. Its log goes to logDir.
func StartMoto(ctx context.Context, logDir string) (*Moto, error) {
	bin, err := lookPath("moto_server", "pip install 'moto[server]==5.2.1'")
	if err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(logDir, fmt.Sprintf("moto-%d.log", port)))
	if err != nil {
		return nil, fmt.Errorf("creating moto log: %w", err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Env = append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting moto_server: %w", err)
	}
	m := &Moto{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(m.exited) }()
	waitCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := waitHTTP(waitCtx, m.Endpoint+"/moto-api/", m.exited); err != nil {
		m.Stop()
		return nil, fmt.Errorf("moto_server did not start (log: %s): %w", logFile.Name(), err)
	}
	return m, nil
}

// Env returns the environment variables that point an AWS client at moto
// with dummy credentials.
func (m *Moto) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + m.Endpoint,
		"AWS_ACCESS_KEY_ID=testing",
		"AWS_SECRET_ACCESS_KEY=testing",
		"AWS_REGION=us-east-1",
		"AWS_DEFAULT_REGION=us-east-1",
	}
}

// Pid is moto_server's process id (also its process group id).
func (m *Moto) Pid() int { return m.cmd.Process.Pid }

// Stop ends moto_server and its children.
func (m *Moto) Stop() {
	stopGroup(m.cmd, m.exited)
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

// stopGroup sends SIGTERM to the process group of cmd, then SIGKILL if it is
// still there after five seconds.
func stopGroup(cmd *exec.Cmd, exited <-chan struct{}) {
	if cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
}
