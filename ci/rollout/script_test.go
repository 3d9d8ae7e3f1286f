package rollout

import (
	"bytes"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gangway-dev/gangway/ci/hostresult"
	"github.com/gangway-dev/gangway/internal/components"
)

const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func localParams() Params {
	p := HostDefaults(hostresult.ModeDeploy, "127.0.0.1:5000/gangway-test@"+digest, "")
	p.Docker = "podman"
	p.InsecureRegistry = true
	p.Login = LoginNone
	p.EnvFile = ""
	p.NamePrefix = "rollout-abc"
	p.BluePort, p.GreenPort = 18081, 18082
	p.PublicListen = "127.0.0.1:18080"
	p.StateDir = "/tmp/x/state"
	p.NginxSite = "/tmp/x/nginx/sites/gangway.conf"
	p.NginxTest = []string{"nginx", "-p", "/tmp/x/nginx", "-c", "/tmp/x/nginx/nginx.conf", "-t", "-q"}
	p.NginxReload = []string{"nginx", "-p", "/tmp/x/nginx", "-c", "/tmp/x/nginx/nginx.conf", "-s", "reload"}
	return p
}

func TestVarsHost(t *testing.T) {
	t.Parallel()
	p := HostDefaults(hostresult.ModeDeploy, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/gangway-prod@"+digest, "eu-west-1")
	got, err := Vars(p)
	if err != nil {
		t.Fatal(err)
	}
	want := []Var{
		{"MODE", "'deploy'"},
		{"IMAGE", "'123456789012.dkr.ecr.eu-west-1.amazonaws.com/gangway-prod@" + digest + "'"},
		{"DOCKER", "'docker'"},
		{"PULL_ARGS", "()"},
		{"LOGIN", "'ecr'"},
		{"REGION", "'eu-west-1'"},
		{"ENV_FILE", "'/etc/gangway/app.env'"},
		{"NAME_PREFIX", "'gangway'"},
		{"BLUE_PORT", "8081"},
		{"GREEN_PORT", "8082"},
		{"NETWORK", "'bridge'"},
		{"CONTAINER_PORT", "8000"},
		{"CREDENTIALS_DIR", "'/run/gangway'"},
		{"MEMORY", "'512m'"},
		{"PIDS", "256"},
		{"PUBLIC_LISTEN", "'80'"},
		{"CHECK_URL", "'http://127.0.0.1:80/health'"},
		{"UPSTREAM", "'gangway_active'"},
		{"STATE_DIR", "'/var/lib/gangway'"},
		{"NGINX_SITE", "'/etc/nginx/conf.d/gangway.conf'"},
		{"NGINX_TEST", "('nginx' '-t' '-q')"},
		{"NGINX_RELOAD", "('systemctl' 'reload-or-restart' 'nginx')"},
		{"HEALTH_TIMEOUT", "90"},
		{"SWITCH_TIMEOUT", "15"},
		{"DRAIN_SECONDS", "5"},
		{"BAKE_SECONDS", "10"},
		{"BAKE_MAX_5XX", "5"},
		{"FAILED_LOG", "'/var/lib/gangway/failed-requests.log'"},
		{"ACCESS_LOG", "'/var/log/nginx/access.log'"},
		{"STOP_TIMEOUT", "20"},
		{"LOCK_TIMEOUT", "300"},
		{"LOG_TAIL_BYTES", "16000"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Vars(host defaults) =\n%q\nwant\n%q", got, want)
	}
}

func TestVarsLocal(t *testing.T) {
	t.Parallel()
	p := localParams()
	p.Mode, p.Image = hostresult.ModeRollback, ""
	p.StateDir = "/tmp/x/state/"
	got, err := Vars(p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"MODE":          "'rollback'",
		"IMAGE":         "''",
		"DOCKER":        "'podman'",
		"PULL_ARGS":     "('--tls-verify=false')",
		"LOGIN":         "'none'",
		"ENV_FILE":      "''",
		"CHECK_URL":     "'http://127.0.0.1:18080/health'",
		"UPSTREAM":      "'rollout_abc_active'",
		"STATE_DIR":     "'/tmp/x/state'",
		"PUBLIC_LISTEN": "'127.0.0.1:18080'",
		"NGINX_RELOAD":  "('nginx' '-p' '/tmp/x/nginx' '-c' '/tmp/x/nginx/nginx.conf' '-s' 'reload')",
	}
	for _, v := range got {
		if w, ok := want[v.Name]; ok && v.Value != w {
			t.Errorf("%s = %s, want %s", v.Name, v.Value, w)
		}
	}
}

func TestQuote(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"", "''"},
		{"plain", "'plain'"},
		{"it's", `'it'\''s'`},
		{"$(rm -rf /) `x` \"y\"", "'$(rm -rf /) `x` \"y\"'"},
	}
	for _, c := range cases {
		if got := quote(c.in); got != c.want {
			t.Errorf("quote(%q) = %s, want %s", c.in, got, c.want)
		}
		// bash must read the word back unchanged.
		out, err := exec.Command("bash", "-c", "printf %s "+quote(c.in)).Output()
		if err != nil {
			t.Fatalf("bash: %v", err)
		}
		if string(out) != c.in {
			t.Errorf("bash read %q back as %q", c.in, out)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		change func(*Params)
		want   string
	}{
		{"tag instead of digest", func(p *Params) { p.Image = "127.0.0.1:5000/app:latest" }, "REPO@sha256"},
		{"short digest", func(p *Params) { p.Image = "127.0.0.1:5000/app@sha256:abc" }, "REPO@sha256"},
		{"no repository", func(p *Params) { p.Image = "app@" + digest }, "REPO@sha256"},
		{"rollback with image", func(p *Params) { p.Mode = hostresult.ModeRollback }, "rollback takes no image"},
		{"unknown mode", func(p *Params) { p.Mode = "restart" }, "mode"},
		{"insecure docker", func(p *Params) { p.Docker = "docker" }, "podman only"},
		{"ecr without region", func(p *Params) { p.Login = LoginECR }, "region"},
		{"same slot ports", func(p *Params) { p.GreenPort = p.BluePort }, "different ports"},
		{"host network", func(p *Params) { p.Network = "host" }, "instance role"},
		{"host network with options", func(p *Params) { p.Network = "host:x" }, "instance role"},
		{"network with spaces", func(p *Params) { p.Network = "bridge --privileged" }, "network name"},
		{"no container port", func(p *Params) { p.ContainerPort = 0 }, "container port"},
		{"relative credentials dir", func(p *Params) { p.CredentialsDir = "run/gangway" }, "credentials dir"},
		{"credentials dir with a mount option", func(p *Params) { p.CredentialsDir = "/run/gangway:rw" }, "credentials dir"},
		{"no memory limit", func(p *Params) { p.Memory = "" }, "memory limit"},
		{"memory without unit", func(p *Params) { p.Memory = "512" }, "memory limit"},
		{"no pids limit", func(p *Params) { p.Pids = 0 }, "pids limit"},
		{"public is a slot", func(p *Params) { p.PublicListen = "18081" }, "must differ"},
		{"relative state", func(p *Params) { p.StateDir = "state" }, "state dir"},
		{"site not .conf", func(p *Params) { p.NginxSite = "/etc/nginx/gangway" }, "nginx site"},
		{"no reload", func(p *Params) { p.NginxReload = nil }, "reload"},
		{"fractional drain", func(p *Params) { p.Drain = 1500 * time.Millisecond }, "drain"},
		{"negative bake", func(p *Params) { p.Bake = -time.Second }, "bake"},
		{"bake over an hour", func(p *Params) { p.Bake = 2 * time.Hour }, "bake"},
		{"state dir nginx cannot take", func(p *Params) { p.StateDir = "/tmp/x; include /etc/passwd" }, "state dir"},
		{"access log nginx cannot take", func(p *Params) { p.NginxAccessLog = "/var/log/a b.log" }, "access log"},
		{"odd prefix", func(p *Params) { p.NamePrefix = "a b" }, "prefix"},
		{"cli with quote", func(p *Params) { p.Docker = "pod'man" }, "container CLI"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := localParams()
			c.change(&p)
			err := p.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Validate() = %v, want an error about %q", err, c.want)
			}
		})
	}
	if err := localParams().Validate(); err != nil {
		t.Errorf("local params: %v", err)
	}
}

// TestRenderShellcheck runs shellcheck on the script for several parameter
// sets: the EC2 host, the local podman host, a rollback.
func TestRenderShellcheck(t *testing.T) {
	t.Parallel()
	components.SkipShort(t, "shellcheck")
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Fatalf("shellcheck is required (bash .ci/setup installs it): %v", err)
	}
	host := HostDefaults(hostresult.ModeDeploy, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/gangway-prod@"+digest, "eu-west-1")
	hostRollback := HostDefaults(hostresult.ModeRollback, "", "eu-west-1")
	local := localParams()
	local.EnvFile = "/tmp/x/app env's file"
	localRollback := localParams()
	localRollback.Mode, localRollback.Image = hostresult.ModeRollback, ""
	for name, p := range map[string]Params{"host": host, "host rollback": hostRollback, "local": local, "local rollback": localRollback} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			script, err := Render(p)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("shellcheck", "--shell=bash", "--severity=style", "-")
			cmd.Stdin = strings.NewReader(script)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				t.Errorf("shellcheck: %v\n%s", err, out.String())
			}
			if !strings.Contains(script, "\nmain </dev/null\n") {
				t.Errorf("the script does not end by calling main with stdin from /dev/null")
			}
		})
	}
}

func TestRenderIsPure(t *testing.T) {
	t.Parallel()
	a, err := Render(localParams())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Render(localParams())
	if a != b {
		t.Error("Render gave two different scripts for the same parameters")
	}
	if _, err := Render(Params{}); err == nil {
		t.Error("Render(Params{}) succeeded, want a validation error")
	}
}

// Render keeps the opening comment and here-documents whole, and drops the
// template's other comment lines.
func TestDropComments(t *testing.T) {
	t.Parallel()
	in := "#!/usr/bin/env bash\n# header\nset -e\n# why\nf() {\n  # inside\n  cat <<SITE\n# data, kept\nSITE\n  cat <<'EOF'\n  # kept too\n  EOF\n# still data: an indented terminator does not end it\nEOF\n" +
		"  cat << \"Q\"\n# quoted\nQ\n  cat <<\\B\n# backslash\nB\n\tcat <<-T\n\t# dash\n\tT\n}\n  # after\necho '# not a comment'\n"
	want := "#!/usr/bin/env bash\n# header\nset -e\nf() {\n  cat <<SITE\n# data, kept\nSITE\n  cat <<'EOF'\n  # kept too\n  EOF\n# still data: an indented terminator does not end it\nEOF\n" +
		"  cat << \"Q\"\n# quoted\nQ\n  cat <<\\B\n# backslash\nB\n\tcat <<-T\n\t# dash\n\tT\n}\necho '# not a comment'\n"
	if got := dropComments(in); got != want {
		t.Errorf("dropComments =\n%s\nwant\n%s", got, want)
	}
}
