package testenv

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

// StartMoto starts moto_server on a free loopback port and waits until it
// answers. Its log goes to a file in logDir.
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

// Env returns environment entries (KEY=VALUE) that point an AWS client at
// this moto_server with dummy credentials.
func (m *Moto) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + m.Endpoint,
		"AWS_ACCESS_KEY_ID=testing",
		"AWS_SECRET_ACCESS_KEY=testing",
		"AWS_REGION=us-east-1",
	}
}

// Stop ends moto_server and its children. Calling it twice is harmless.
func (m *Moto) Stop() { stopGroup(m.cmd, m.exited) }
