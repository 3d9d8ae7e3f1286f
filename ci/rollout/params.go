package rollout

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/gangway-dev/gangway/ci/hostresult"

	"github.com/gangway-dev/gangway/ci/imageref"
)

// Login is how the host logs in to the registry before pulling.
type Login string

const (
	// LoginECR logs in with "aws ecr get-login-password" and the instance role.
	LoginECR Login = "ecr"
	// LoginNone pulls without logging in (a local registry in tests).
	LoginNone Login = "none"
)

// Params are the inputs of one run of the script. Start from HostDefaults
// (the EC2 host contract) and change what differs.
type Params struct {
	Mode hostresult.Mode
	// Image is REPO@sha256:<64 hex>; required for hostresult.ModeDeploy, empty for
	// hostresult.ModeRollback (the host knows its previous image).
	Image string
	// Docker is the container CLI: "docker" on EC2, "podman" in tests.
	Docker string
	// InsecureRegistry pulls over plain HTTP without TLS verification (the
	// local docker-registry); podman only, Docker needs daemon configuration.
	InsecureRegistry bool
	Login            Login
	// Region is the ECR region, required with LoginECR.
	Region string
	// EnvFile is passed as --env-file to the container; empty for none.
	EnvFile string
	// NamePrefix names the containers <prefix>-blue and <prefix>-green.
	NamePrefix string
	// BluePort and GreenPort are the slots' host ports, published on
	// loopback only: nginx is the one public port.
	BluePort, GreenPort int
	// Network is the container's network. "bridge" on EC2: with the
	// instance's IMDS hop limit of 1, the container cannot get the instance
	// role. Never "host". The local flow's hosts use slirp4netns, which
	// reaches the machine's loopback (its PostgreSQL and moto).
	Network string
	// ContainerPort is the port the app listens on inside its container
	// (env PORT; the image's 8000).
	ContainerPort int
	// CredentialsDir is the host directory holding app-credentials.json,
	// the app's narrow temporary credentials (Terraform's user data keeps
	// /run/gangway fresh). It is mounted read-only at the same path, and
	// the app reads it through APP_AWS_CREDENTIALS_FILE; "" = none.
	CredentialsDir string
	// Memory and Pids limit the container ("512m"; a count).
	Memory string
	Pids   int
	// PublicListen is nginx's listen argument: "80" or "127.0.0.1:18080".
	PublicListen string
	// StateDir holds the lock, the current and previous image, and logs.
	StateDir string
	// NginxSite is the site file the script owns (included by nginx.conf).
	NginxSite string
	// NginxAccessLog is where the site logs every request ("combined"
	// format), beside the 5xx log of the bake; "" for none.
	NginxAccessLog string
	// NginxTest checks the configuration; NginxReload reloads gracefully.
	NginxTest, NginxReload []string
	// HealthTimeout bounds the wait for /health and /db/status of the new slot.
	HealthTimeout time.Duration
	// SwitchTimeout bounds the wait for the public port to answer from the new slot.
	SwitchTimeout time.Duration
	// Drain is how long the old version keeps running after the switch.
	Drain time.Duration
	// Bake is how long a deploy watches the new version after the cutover
	// (its /health and /db/status, and nginx's 5xx answers), with the old
	// version still running: a failure switches back to it by itself. 0
	// skips the bake. A rollback does not bake: there is nothing better to
	// return to.
	Bake time.Duration
	// StopTimeout is the SIGTERM grace period of a stopping container.
	StopTimeout time.Duration
	// LockTimeout bounds the wait for another rollout on the same host.
	LockTimeout time.Duration
}

// HostDefaults returns the parameters for an EC2 host as Terraform's user
// data prepares it: docker, ECR login with the instance role, the env file
// /etc/gangway/app.env, slots 8081/8082, nginx on port 80 managed by systemd.
func HostDefaults(mode hostresult.Mode, image, region string) Params {
	return Params{
		Mode:           mode,
		Image:          image,
		Docker:         "docker",
		Login:          LoginECR,
		Region:         region,
		EnvFile:        "/etc/gangway/app.env",
		NamePrefix:     "gangway",
		BluePort:       8081,
		GreenPort:      8082,
		Network:        "bridge",
		ContainerPort:  8000,
		CredentialsDir: "/run/gangway",
		Memory:         DefaultMemory,
		Pids:           DefaultPids,
		PublicListen:   "80",
		StateDir:       "/var/lib/gangway",
		NginxSite:      "/etc/nginx/conf.d/gangway.conf",
		NginxAccessLog: "/var/log/nginx/access.log",
		NginxTest:      []string{"nginx", "-t", "-q"},
		NginxReload:    []string{"systemctl", "reload-or-restart", "nginx"},
		HealthTimeout:  90 * time.Second,
		SwitchTimeout:  15 * time.Second,
		Drain:          5 * time.Second,
		Bake:           DefaultBake(""),
		StopTimeout:    20 * time.Second,
		LockTimeout:    300 * time.Second,
	}
}

// The container's limits on a host: caps, not reservations. The app needs
// tens of MB; two slots run at once during a switch, on a host of 1 GiB
// (test's t3.micro) or more.
const (
	DefaultMemory = "512m"
	DefaultPids   = 256
)

// DefaultBake is the bake of an environment: a minute in prod, where a
// late failure costs most, ten seconds elsewhere.
func DefaultBake(env string) time.Duration {
	if env == "prod" {
		return 60 * time.Second
	}
	return 10 * time.Second
}

// bakeMax5xx 5xx answers from nginx during a bake fail the new version:
// the count at which the load balancer's 5xx alarm fires in a minute
// (terraform var alarm_5xx_threshold).
const bakeMax5xx = 5

// validImageRef reports whether ref is REPO@sha256:<64 hex> with a registry
// host (imageref's rule, which every step shares).
func validImageRef(ref string) bool {
	_, err := imageref.Parse(ref)
	return err == nil
}

var (
	namePrefix = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,40}$`)
	listen     = regexp.MustCompile(`^(([0-9]{1,3}\.){3}[0-9]{1,3}:)?[0-9]{1,5}$`)
	region     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	network    = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*(:[a-z0-9_=,.-]+)?$`)
	memory     = regexp.MustCompile(`^[1-9][0-9]*[kmg]$`)
	nginxPath  = regexp.MustCompile(`^/[A-Za-z0-9._/-]+$`)
)

// Validate checks p once, before anything runs, and says what is wrong.
func (p Params) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch p.Mode {
	case hostresult.ModeDeploy:
		if !validImageRef(p.Image) {
			bad("image %q must be REPO@sha256:<64 hex digits> (pull by digest, never by tag)", p.Image)
		}
	case hostresult.ModeRollback:
		if p.Image != "" {
			bad("rollback takes no image: the host rolls back to its recorded previous image")
		}
	default:
		bad("mode %q must be %q or %q", p.Mode, hostresult.ModeDeploy, hostresult.ModeRollback)
	}
	if p.Docker == "" || strings.ContainsAny(p.Docker, " \t\n'\"") {
		bad("container CLI %q must be a command name such as docker or podman", p.Docker)
	}
	if p.InsecureRegistry && !strings.HasSuffix(p.Docker, "podman") {
		bad("an insecure (plain HTTP) registry is supported with podman only, not %q", p.Docker)
	}
	switch p.Login {
	case LoginECR:
		if !region.MatchString(p.Region) {
			bad("ECR login needs an AWS region such as eu-west-1, got %q", p.Region)
		}
	case LoginNone:
	default:
		bad("registry login %q must be %q or %q", p.Login, LoginECR, LoginNone)
	}
	if p.EnvFile != "" && !strings.HasPrefix(p.EnvFile, "/") {
		bad("env file %q must be an absolute path", p.EnvFile)
	}
	if !namePrefix.MatchString(p.NamePrefix) {
		bad("container name prefix %q must be letters, digits, '_', '.', '-'", p.NamePrefix)
	}
	for _, port := range []int{p.BluePort, p.GreenPort} {
		if port < 1 || port > 65535 {
			bad("slot port %d is out of range", port)
		}
	}
	switch {
	case p.Network == "host" || strings.HasPrefix(p.Network, "host:"):
		bad("container network %q would share the host's network and its instance role (IMDS): use bridge", p.Network)
	case !network.MatchString(p.Network):
		bad("container network %q must be a network name such as bridge", p.Network)
	}
	if p.ContainerPort < 1 || p.ContainerPort > 65535 {
		bad("container port %d is out of range", p.ContainerPort)
	}
	if p.CredentialsDir != "" && (!strings.HasPrefix(p.CredentialsDir, "/") || strings.ContainsAny(p.CredentialsDir, ":,")) {
		bad("credentials dir %q must be an absolute path without ':' or ','", p.CredentialsDir)
	}
	if !memory.MatchString(p.Memory) {
		bad("memory limit %q must be a whole number with k, m or g, such as %s", p.Memory, DefaultMemory)
	}
	if p.Pids < 16 || p.Pids > 32768 {
		bad("pids limit %d must be between 16 and 32768", p.Pids)
	}
	if p.BluePort == p.GreenPort {
		bad("the blue and green slots need different ports, both are %d", p.BluePort)
	}
	if !listen.MatchString(p.PublicListen) {
		bad("public listen %q must be PORT or IPv4:PORT", p.PublicListen)
	} else if port := publicPort(p.PublicListen); port == fmt.Sprint(p.BluePort) || port == fmt.Sprint(p.GreenPort) {
		bad("the public port %s must differ from the slot ports", port)
	}
	// Both go into the nginx site unquoted.
	if !nginxPath.MatchString(p.StateDir) {
		bad("state dir %q must be an absolute path of letters, digits, '.', '_', '-' and '/'", p.StateDir)
	}
	if p.NginxAccessLog != "" && !nginxPath.MatchString(p.NginxAccessLog) {
		bad("nginx access log %q must be an absolute path of letters, digits, '.', '_', '-' and '/'", p.NginxAccessLog)
	}
	if !strings.HasPrefix(p.NginxSite, "/") || !strings.HasSuffix(p.NginxSite, ".conf") {
		bad("nginx site %q must be an absolute path ending in .conf", p.NginxSite)
	}
	if len(p.NginxTest) == 0 || len(p.NginxReload) == 0 {
		bad("the nginx test and reload commands are required")
	}
	for _, d := range []struct {
		name string
		v    time.Duration
		min  time.Duration
	}{
		{"health timeout", p.HealthTimeout, time.Second},
		{"switch timeout", p.SwitchTimeout, time.Second},
		{"drain", p.Drain, 0},
		{"bake", p.Bake, 0},
		{"stop timeout", p.StopTimeout, time.Second},
		{"lock timeout", p.LockTimeout, time.Second},
	} {
		if d.v < d.min || d.v > time.Hour || d.v%time.Second != 0 {
			bad("%s %s must be whole seconds between %s and 1h", d.name, d.v, d.min)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid rollout parameters: %w", err)
	}
	return nil
}

func publicPort(listen string) string {
	if i := strings.LastIndex(listen, ":"); i >= 0 {
		return listen[i+1:]
	}
	return listen
}

// checkURL is where the script asks which slot nginx answers from.
func checkURL(listen string) string {
	host := "127.0.0.1"
	if i := strings.LastIndex(listen, ":"); i >= 0 && listen[:i] != "0.0.0.0" {
		host = listen[:i]
	}
	return "http://" + host + ":" + publicPort(listen) + "/health"
}
