package rollout_test

// The test world for running the script for real: a docker-registry on a
// loopback port playing ECR, podman playing the host's Docker, and one nginx
// per simulated host (its own -p prefix and -c config) as the proxy.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gangway-dev/gangway/ci/hostresult"
	"github.com/gangway-dev/gangway/ci/localworld/loadgen"
	"github.com/gangway-dev/gangway/ci/localworld/simhost"
	"github.com/gangway-dev/gangway/ci/rollout"

	"github.com/gangway-dev/gangway/ci/localworld"
	"github.com/gangway-dev/gangway/internal/components"
)

// world is shared by the tests of this package: one registry, three images.
type world struct {
	registry string // host:port
	v1, v2   string // healthy images REPO@sha256, versions "v1" and "v2"
	bad      string // never healthy (/db/status 503), version "bad"
	late     string // healthy until 1.5 s after its cutover, then 500 everywhere, version "late"
	missing  string // a digest the registry does not have
	stop     func()
}

var (
	worldOnce sync.Once
	theWorld  *world
	worldErr  error
)

func randomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// getWorld builds the test images and starts the registry once per process.
func getWorld(t testing.TB) *world {
	t.Helper()
	components.SkipShort(t, "podman, docker-registry and nginx")
	components.NeedPrograms(t, "podman", "docker-registry", "nginx", "curl", "flock", "shellcheck")
	worldOnce.Do(func() { theWorld, worldErr = startWorld() })
	if worldErr != nil {
		t.Fatalf("setting up the rollout test world: %v", worldErr)
	}
	return theWorld
}

func TestMain(m *testing.M) {
	code := m.Run()
	if theWorld != nil {
		theWorld.stop()
	}
	os.Exit(code)
}

func run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}

func startWorld() (*world, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "rollout-world-")
	if err != nil {
		return nil, err
	}
	var cleanups []func()
	w := &world{stop: func() {
		for _, f := range slices.Backward(cleanups) {
			f()
		}
		os.RemoveAll(dir)
	}}
	fail := func(err error) (*world, error) { w.stop(); return nil, err }

	// The registry, playing ECR's data plane.
	reg, err := localworld.StartRegistry(ctx, dir)
	if err != nil {
		return fail(err)
	}
	cleanups = append(cleanups, reg.Stop)
	w.registry = reg.Host

	// One static test server, three FROM-scratch images around it.
	bin := filepath.Join(dir, "ctx", "testserver")
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, "./testdata/testserver")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fail(fmt.Errorf("building the test server: %w: %s", err, out))
	}
	repo := fmt.Sprintf("%s/rollout-%s/app", w.registry, randomSuffix())
	for _, img := range []struct {
		version, dbOK, failAfter string
		ref                      *string
	}{{"v1", "1", "0", &w.v1}, {"v2", "1", "0", &w.v2}, {"bad", "0", "0", &w.bad}, {"late", "1", "1500", &w.late}} {
		containerfile := fmt.Sprintf("FROM scratch\nCOPY testserver /testserver\nENV APP_VERSION=%s DB_OK=%s FAIL_AFTER_PROXIED_MS=%s\nENTRYPOINT [\"/testserver\"]\n",
			img.version, img.dbOK, img.failAfter)
		if err := os.WriteFile(filepath.Join(dir, "ctx", "Containerfile"), []byte(containerfile), 0o644); err != nil {
			return fail(err)
		}
		tag := repo + ":" + img.version
		if _, err := run(ctx, "podman", "build", "-q", "-f", filepath.Join(dir, "ctx", "Containerfile"), "-t", tag, filepath.Join(dir, "ctx")); err != nil {
			return fail(err)
		}
		cleanups = append(cleanups, func() { _, _ = run(context.Background(), "podman", "rmi", "-f", tag) })
		digestFile := filepath.Join(dir, "digest-"+img.version)
		if _, err := run(ctx, "podman", "push", "-q", "--tls-verify=false", "--digestfile", digestFile, tag); err != nil {
			return fail(err)
		}
		d, err := os.ReadFile(digestFile)
		if err != nil {
			return fail(err)
		}
		*img.ref = repo + "@" + strings.TrimSpace(string(d))
	}
	sum := make([]byte, 32)
	_, _ = rand.Read(sum)
	w.missing = repo + "@sha256:" + hex.EncodeToString(sum)
	// The script pulls by digest: remove what it pulls at the end.
	cleanups = append(cleanups, func() {
		out, _ := run(context.Background(), "podman", "images", "-q", "--filter", "reference="+repo)
		for _, id := range strings.Fields(out) {
			_, _ = run(context.Background(), "podman", "rmi", "-f", id)
		}
	})
	return w, nil
}

// host is one simulated EC2 host (see simhost.Host) with its deploy
// parameters, which a test may change.
type host struct {
	params rollout.Params
	public string // http://127.0.0.1:PORT
	dir    string
	sim    *simhost.Host
}

// newHost starts a fresh simhost.Host for the test with short deadlines.
// Cleanup removes its containers and stops its nginx.
func newHost(t testing.TB) *host {
	t.Helper()
	dir, err := os.MkdirTemp("", "rollout-host-")
	if err != nil {
		t.Fatal(err)
	}
	lh, err := simhost.Start(context.Background(), dir, "rollout-"+randomSuffix())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lh.EnvFile, []byte("APP_ENV=test\nDELAY_MS=5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := lh.Stop(context.Background()); err != nil {
			t.Logf("stopping the host: %v", err)
		}
		if !t.Failed() {
			os.RemoveAll(dir)
		} else {
			t.Logf("host files kept in %s", dir)
		}
	})
	// The app's credentials, as the host's gangway-app-credentials service
	// leaves them (the test server only reads the file).
	creds := filepath.Join(dir, "run-gangway")
	if err := os.MkdirAll(creds, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(creds, "app-credentials.json"), []byte(`{"AccessKeyId":"ASIATEST"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	p := lh.Params()
	p.HealthTimeout = 20 * time.Second
	p.Bake = 2 * time.Second // the late-failure test sets its own
	p.CredentialsDir = creds
	return &host{params: p, public: lh.URL, dir: dir, sim: lh}
}

func (h *host) deploy(t testing.TB, image string, change ...func(*rollout.Params)) (hostresult.Result, error) {
	t.Helper()
	res, _, err := h.deployEnv(t, image, nil, change...)
	return res, err
}

// deployEnv is deploy with extra environment variables; it also returns
// the script's whole output.
func (h *host) deployEnv(t testing.TB, image string, env []string, change ...func(*rollout.Params)) (hostresult.Result, string, error) {
	t.Helper()
	p := h.params
	p.Image = image
	if image == "" {
		p.Mode = hostresult.ModeRollback
	}
	for _, c := range change {
		c(&p)
	}
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := simhost.Run(ctx, p, &out, env...)
	t.Logf("script output (%s):\n%s", p.Mode, hostresult.Tail(out.String(), 3000))
	return res, out.String(), err
}

// serving returns the version the public port answers with.
func (h *host) serving(t testing.TB) string {
	t.Helper()
	resp, err := http.Get(h.public + "/health")
	if err != nil {
		t.Fatalf("GET public /health: %v", err)
	}
	defer resp.Body.Close()
	var body struct{ Version string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("public /health: status %d, decode error %v", resp.StatusCode, err)
	}
	return body.Version
}

// containers returns the running containers of this host: name -> id.
func (h *host) containers(t testing.TB) map[string]string {
	t.Helper()
	out, err := run(context.Background(), "podman", "ps", "--filter", "name=^"+h.params.NamePrefix+"-", "--format", "{{.Names}} {{.ID}}")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if name, id, ok := strings.Cut(line, " "); ok {
			m[name] = id
		}
	}
	return m
}

// load is a steady request loop against the public port (loadgen's, which
// the local flow's prod rollout uses too).
type load struct {
	loop   *loadgen.Loop
	result loadgen.Result
}

// startLoad floods url (a /health URL) with workers until Stop, bounded to
// limit in any case.
func startLoad(url string, workers int, limit time.Duration) *load {
	return &load{loop: loadgen.Start(loadgen.Options{URL: url, Workers: workers, Limit: limit})}
}

// Stop ends the loop and returns the count of requests and failures.
func (l *load) Stop() (total, failed int) {
	l.result = l.loop.Stop()
	return l.result.Requests, l.result.Failed
}

func (l *load) check(t testing.TB, allowed ...string) {
	t.Helper()
	total, failed := l.Stop()
	r := l.result
	t.Logf("load: %d requests in %.3fs (%.0f/s), %d failed, versions %v", total, r.Seconds, r.Rate, failed, r.Versions)
	if total == 0 {
		t.Fatal("the load loop sent no request")
	}
	if failed > 0 {
		t.Errorf("%d of %d requests failed during the rollout: %q", failed, total, r.Errors)
	}
	for v := range r.Versions {
		if !slices.Contains(allowed, v) {
			t.Errorf("%d responses came from version %q, want only %v", r.Versions[v], v, allowed)
		}
	}
}

// lockHeld reports whether another process holds the host's lock.
func lockHeld(stateDir string) bool {
	err := exec.Command("flock", "-n", filepath.Join(stateDir, "lock"), "true").Run()
	return err != nil
}
