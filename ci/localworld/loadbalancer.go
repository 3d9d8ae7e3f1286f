package localworld

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gangway-dev/gangway/internal/components"
)

// HAProxyInstall says how to install HAProxy.
const HAProxyInstall = "apt-get install haproxy"

// LoadBalancer is HAProxy in front of an environment's hosts, playing the
// Application Load Balancer: it terminates TLS with the local CA's server
// certificate (TLS 1.2 at least, no plain-HTTP listener), checks each
// target's /health as the target group does (terraform/lb.tf, with its
// intervals divided by ten: every second, out after 3 failures, back after
// 2 successes; HTTP/1.1 with a Host header, as the ALB sends, which the
// host's nginx site needs) and serves only healthy targets, answering 503
// when none is.
type LoadBalancer struct {
	// URL is the public address: https://127.0.0.1:PORT.
	URL string
	// HTTPURL is the plain-HTTP listener, http://127.0.0.1:PORT, which
	// redirects every request to URL (301), as the ALB's port-80 listener
	// does when the environment has a domain.
	HTTPURL string
	proc    *components.Process
}

// LoadBalancerState is what a later process needs to find it again.
type LoadBalancerState struct {
	URL     string `json:"url"`
	HTTPURL string `json:"http_url"`
	PID     int    `json:"pid"`
}

// Health-check timing of the local target group (AWS's, divided by ten).
const (
	lbCheckInterval      = time.Second
	lbUnhealthyThreshold = 3
	lbHealthyThreshold   = 2
)

// StartLoadBalancer starts HAProxy on a free loopback port with its files
// under dir, in front of targets (host:port of each host's nginx), and
// waits until it answers.
func StartLoadBalancer(ctx context.Context, dir string, ca CA, targets []string) (*LoadBalancer, error) {
	bin, err := components.LookPath("haproxy", HAProxyInstall)
	if err != nil {
		return nil, err
	}
	if len(targets) == 0 {
		return nil, fmt.Errorf("a load balancer needs at least one target")
	}
	ports, err := components.FreePorts(3)
	if err != nil {
		return nil, err
	}
	port, monitor, plain := ports[0], ports[1], ports[2]
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating the load balancer's directory: %w", err)
	}
	var servers strings.Builder
	for i, t := range targets {
		fmt.Fprintf(&servers, "    server target-%d %s check\n", i+1, t)
	}
	// monitor answers 200 once HAProxy runs: the readiness probe, on a
	// port of its own so that it needs no certificate.
	config := fmt.Sprintf(`global
    pidfile %[1]s/haproxy.pid
    # a port already taken fails the start instead of being shared
    noreuseport
    ssl-default-bind-options ssl-min-ver TLSv1.2

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s

frontend https
    bind 127.0.0.1:%[2]d ssl crt %[3]s alpn h2,http/1.1
    default_backend targets

frontend http
    bind 127.0.0.1:%[9]d
    http-request redirect prefix https://127.0.0.1:%[2]d code 301

frontend monitor
    bind 127.0.0.1:%[4]d
    monitor-uri /ready

backend targets
    option httpchk
    http-check send meth GET uri /health ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    default-server inter %[5]dms fall %[6]d rise %[7]d
%[8]s`, dir, port, ca.ServerFile, monitor, lbCheckInterval.Milliseconds(), lbUnhealthyThreshold, lbHealthyThreshold, servers.String(), plain)
	configPath := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		return nil, fmt.Errorf("writing the HAProxy configuration: %w", err)
	}
	proc, err := components.StartServer(ctx, "haproxy", bin, []string{"-db", "-f", configPath}, nil,
		filepath.Join(dir, "haproxy.log"), fmt.Sprintf("http://127.0.0.1:%d/ready", monitor), 15*time.Second)
	if err != nil {
		return nil, err
	}
	return &LoadBalancer{URL: fmt.Sprintf("https://127.0.0.1:%d", port), HTTPURL: fmt.Sprintf("http://127.0.0.1:%d", plain), proc: proc}, nil
}

// State returns what a later process needs to find it again.
func (lb *LoadBalancer) State() LoadBalancerState {
	return LoadBalancerState{URL: lb.URL, HTTPURL: lb.HTTPURL, PID: lb.proc.Pid()}
}

// Stop stops HAProxy.
func (lb *LoadBalancer) Stop() { lb.proc.Stop() }
