// Package simhost is a simulated EC2 host on this machine, for the tests and
// the local flow: its own nginx as the public proxy on a loopback port, two
// slot ports, a state directory and an env file, with podman playing the
// host's Docker. Run executes the same rollout script that SSM runs on EC2.
// It lives with the local world so that package rollout, which EC2 runs,
// links none of it.
package simhost

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/gangway-dev/gangway/ci/hostresult"
	"github.com/gangway-dev/gangway/ci/rollout"
	"github.com/gangway-dev/gangway/internal/components"
)

// Host is a simulated EC2 host on this machine: its own nginx (with its
// own -p prefix and -c configuration) as the proxy on a loopback port, slot
// ports, a state directory, an env file and container names. It is what the
// tests and the local flow roll out onto with Run, using the same
// script that SSM runs on EC2.
type Host struct {
	// Dir holds everything of the host; EnvFile is the app's env file there.
	Dir     string
	EnvFile string
	// URL is the public address: http://127.0.0.1:PORT.
	URL      string
	params   rollout.Params
	nginxPID int
}

// State is what a later process needs to find a host again.
type State struct {
	Dir      string `json:"dir"`
	Name     string `json:"name"`
	NginxPID int    `json:"nginx_pid"`
	Ports    [3]int `json:"ports"` // blue, green, public
}

// Start prepares a host under dir, names its containers
// <name>-blue and <name>-green, and starts its nginx. The env file is
// created empty (0600) when missing.
func Start(ctx context.Context, dir, name string) (*Host, error) {
	free, err := components.FreePorts(3)
	if err != nil {
		return nil, err
	}
	ports := [3]int(free)
	h := newHost(State{Dir: dir, Name: name, Ports: ports})
	prefix := filepath.Join(dir, "nginx")
	for _, d := range []string{filepath.Join(prefix, "sites"), filepath.Join(prefix, "logs"), filepath.Join(dir, "state")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("preparing host %s: %w", name, err)
		}
	}
	_ = os.Chmod(dir, 0o755) // nginx workers run as nobody
	if _, err := os.Stat(h.EnvFile); os.IsNotExist(err) {
		if err := os.WriteFile(h.EnvFile, nil, 0o600); err != nil {
			return nil, fmt.Errorf("creating the env file: %w", err)
		}
	}
	// Like Amazon Linux's nginx.conf: sites included, then a default server
	// on the same port that the script's site must win over.
	conf := fmt.Sprintf(`daemon off;
worker_processes 2;
pid %[1]s/nginx.pid;
error_log %[1]s/logs/error.log warn;
events { worker_connections 512; }
http {
    access_log off;
    include %[1]s/sites/*.conf;
    server {
        listen 127.0.0.1:%[2]d default_server;
        server_name _;
        return 404;
    }
}
`, prefix, ports[2])
	if err := os.WriteFile(h.nginxConf(), []byte(conf), 0o644); err != nil {
		return nil, fmt.Errorf("writing nginx.conf: %w", err)
	}
	logFile, err := os.Create(filepath.Join(prefix, "logs", "nginx.out"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	nginx := exec.Command("nginx", "-p", prefix, "-c", h.nginxConf())
	nginx.Stdout, nginx.Stderr = logFile, logFile
	nginx.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := nginx.Start(); err != nil {
		return nil, fmt.Errorf("starting nginx (apt-get install nginx-light): %w", err)
	}
	h.nginxPID = nginx.Process.Pid
	go func() { _ = nginx.Wait() }()
	// Reload needs the master's pid file.
	for deadline := time.Now().Add(5 * time.Second); ; {
		if _, err := os.Stat(filepath.Join(prefix, "nginx.pid")); err == nil {
			return h, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			_ = h.Stop(ctx)
			return nil, fmt.Errorf("nginx of host %s did not start (see %s)", name, logFile.Name())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Attach returns a handle on a host started by an earlier process.
func Attach(s State) *Host { return newHost(s) }

func newHost(s State) *Host {
	h := &Host{
		Dir:      s.Dir,
		EnvFile:  filepath.Join(s.Dir, "app.env"),
		URL:      fmt.Sprintf("http://127.0.0.1:%d", s.Ports[2]),
		nginxPID: s.NginxPID,
	}
	prefix := filepath.Join(s.Dir, "nginx")
	nginxArgs := []string{"nginx", "-p", prefix, "-c", h.nginxConf()}
	h.params = rollout.Params{
		Mode:             hostresult.ModeDeploy,
		Docker:           "podman",
		InsecureRegistry: true,
		Login:            rollout.LoginNone,
		EnvFile:          h.EnvFile,
		NamePrefix:       s.Name,
		BluePort:         s.Ports[0],
		GreenPort:        s.Ports[1],
		Network:          "bridge",
		ContainerPort:    8000,
		Memory:           rollout.DefaultMemory,
		Pids:             rollout.DefaultPids,
		PublicListen:     fmt.Sprintf("127.0.0.1:%d", s.Ports[2]),
		StateDir:         filepath.Join(s.Dir, "state"),
		NginxSite:        filepath.Join(prefix, "sites", "gangway.conf"),
		NginxTest:        append(slices.Clone(nginxArgs), "-t", "-q"),
		NginxReload:      append(slices.Clone(nginxArgs), "-s", "reload"),
		HealthTimeout:    60 * time.Second,
		SwitchTimeout:    10 * time.Second,
		Drain:            2 * time.Second,
		StopTimeout:      10 * time.Second,
		LockTimeout:      60 * time.Second,
	}
	return h
}

func (h *Host) nginxConf() string { return filepath.Join(h.Dir, "nginx", "nginx.conf") }

// State returns what Attach needs.
func (h *Host) State() State {
	return State{
		Dir:      h.Dir,
		Name:     h.params.NamePrefix,
		NginxPID: h.nginxPID,
		Ports:    [3]int{h.params.BluePort, h.params.GreenPort, h.nginxPort()},
	}
}

func (h *Host) nginxPort() int {
	var port int
	_, portText, _ := strings.Cut(h.params.PublicListen, ":")
	_, _ = fmt.Sscanf(portText, "%d", &port)
	return port
}

// Params returns deploy parameters for this host (Image empty): podman as
// the host's Docker, a plain-HTTP local registry, no registry login.
func (h *Host) Params() rollout.Params { return h.params }

// Stop removes the host's containers and stops its nginx. Its files stay.
// podman can fail a removal while the container's own cleanup still holds
// it, so Stop tries a few times and says which containers stayed.
func (h *Host) Stop(ctx context.Context) error {
	defer components.KillGroup(h.nginxPID)
	names := []string{h.params.NamePrefix + "-blue", h.params.NamePrefix + "-green"}
	var out []byte
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * 500 * time.Millisecond)
		}
		out, err = exec.CommandContext(ctx, "podman", append([]string{"rm", "--force", "--ignore", "--time", "0"}, names...)...).CombinedOutput()
		if err == nil {
			return nil
		}
	}
	return fmt.Errorf("removing containers %v: %w: %s", names, err, strings.TrimSpace(string(out)))
}
