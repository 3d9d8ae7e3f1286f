package localworld

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gangway-dev/gangway/internal/components"
)

// RegistryInstall says how to install docker-registry.
const RegistryInstall = "apt-get install docker-registry"

// Registry is a running docker-registry: the OCI distribution API that
// stands in for ECR's data plane. It serves plain HTTP on loopback.
type Registry struct {
	// Host is host:port, the registry part of an image reference.
	Host string
	proc *components.Process
}

// StartRegistry starts docker-registry on a free loopback port with its
// storage under dir, and waits until its API answers.
func StartRegistry(ctx context.Context, dir string) (*Registry, error) {
	bin, err := components.LookPath("docker-registry", RegistryInstall)
	if err != nil {
		return nil, err
	}
	port, err := components.FreePort()
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
	proc, err := components.StartServer(ctx, "docker-registry", bin, []string{"serve", configPath}, nil,
		filepath.Join(base, "registry.log"), "http://"+host+"/v2/", 30*time.Second)
	if err != nil {
		return nil, err
	}
	return &Registry{Host: host, proc: proc}, nil
}

// Pid is the registry's process id, for recording in a state file.
func (r *Registry) Pid() int { return r.proc.Pid() }

// Stop ends docker-registry.
func (r *Registry) Stop() { r.proc.Stop() }
