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

// Registry is a running docker-registry: the OCI distribution API that
// stands in for ECR's data plane. It serves plain HTTP on loopback.
type Registry struct {
	// Host is host:port, the registry part of an image reference.
	Host   string
	cmd    *exec.Cmd
	exited chan struct{}
}

// StartRegistry starts docker-registry on a free loopback port with its
// storage under dir, and waits until its API answers.
func StartRegistry(ctx context.Context, dir string) (*Registry, error) {
	bin, err := lookPath("docker-registry", "apt-get install docker-registry")
	if err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	base, err := os.MkdirTemp(dir, "registry-")
	if err != nil {
		return nil, fmt.Errorf("creating registry directory: %w", err)
	}
	host := fmt.Sprintf("127.0.0.1:%d", port)
	config := fmt.Sprintf(`version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
`, filepath.Join(base, "data"), host)
	configPath := filepath.Join(base, "config.yml")
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		return nil, fmt.Errorf("writing registry config: %w", err)
	}
	logFile, err := os.Create(filepath.Join(base, "registry.log"))
	if err != nil {
		return nil, fmt.Errorf("creating registry log: %w", err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "serve", configPath)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting docker-registry: %w", err)
	}
	r := &Registry{Host: host, cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(r.exited) }()
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := waitHTTP(waitCtx, "http://"+host+"/v2/", r.exited); err != nil {
		r.Stop()
		return nil, fmt.Errorf("docker-registry did not start (log: %s): %w", logFile.Name(), err)
	}
	return r, nil
}

// Pid is the registry's process id, for recording in a state file.
func (r *Registry) Pid() int { return r.cmd.Process.Pid }

// Stop ends docker-registry.
func (r *Registry) Stop() { stopGroup(r.cmd, r.exited) }
