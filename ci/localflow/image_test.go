package localflow

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gangway-dev/gangway/ci/steps"
	"github.com/gangway-dev/gangway/internal/components"
)

// TestTheOneRecipe builds app/Containerfile exactly as the local flow does
// and checks that user, entrypoint, port, labels and environment come from
// that file, that the image is for the hosts' platform, and that it serves.
// The module builds the same file with DockerBuild and adds nothing
// (modcheck's lint holds Build to that).
func TestTheOneRecipe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an image with podman")
	}
	t.Parallel()
	if _, err := exec.LookPath("podman"); err != nil {
		components.Need(t, "podman", fmt.Errorf("podman: %w (apt-get install podman runc)", components.ErrMissing))
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	ver := "recipe-test-" + fmt.Sprint(time.Now().UnixNano())
	run := func(ctx context.Context, dir string, args ...string) error {
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %w\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	image, err := buildImage(context.Background(), root, t.TempDir(), ver, nil, run)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = exec.Command("podman", "rmi", "-f", image).Run() })
	out, err := exec.Command("podman", "image", "inspect", image).Output()
	if err != nil {
		t.Fatal(err)
	}
	var inspect []struct {
		Architecture string
		Os           string
		Config       struct {
			User         string
			Entrypoint   []string
			ExposedPorts map[string]struct{}
			Env          []string
			Labels       map[string]string
		}
	}
	if err := json.Unmarshal(out, &inspect); err != nil || len(inspect) != 1 {
		t.Fatalf("podman image inspect: %v", err)
	}
	got := inspect[0]
	if platform := got.Os + "/" + got.Architecture; platform != steps.HostPlatform {
		t.Errorf("image platform = %s, want %s", platform, steps.HostPlatform)
	}
	if got.Config.User != "65532:65532" {
		t.Errorf("user = %q, want 65532:65532", got.Config.User)
	}
	if strings.Join(got.Config.Entrypoint, " ") != "/app" {
		t.Errorf("entrypoint = %v, want [/app]", got.Config.Entrypoint)
	}
	if _, ok := got.Config.ExposedPorts["8000/tcp"]; !ok || len(got.Config.ExposedPorts) != 1 {
		t.Errorf("exposed ports = %v, want 8000/tcp only", got.Config.ExposedPorts)
	}
	for k, v := range map[string]string{
		"org.opencontainers.image.version":  ver,
		"org.opencontainers.image.revision": ver,
		"org.opencontainers.image.title":    "gangway-app",
		"org.opencontainers.image.source":   "https://github.com/gangway-dev/gangway",
	} {
		if got.Config.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, got.Config.Labels[k], v)
		}
	}
	for _, e := range got.Config.Env {
		if strings.HasPrefix(e, "GO") {
			t.Errorf("the build stage leaked %s into the image", e)
		}
	}
	if !containsEnv(got.Config.Env, "APP_VERSION="+ver) {
		t.Errorf("env = %v, want APP_VERSION=%s", got.Config.Env, ver)
	}

	port, err := components.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	name := "gangway-recipe-test-" + fmt.Sprint(port)
	if out, err := exec.Command("podman", "run", "-d", "--name", name, "--network", "host",
		"-e", fmt.Sprintf("PORT=%d", port), "-e", "LISTEN_HOST=127.0.0.1", image).CombinedOutput(); err != nil {
		t.Fatalf("podman run: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("podman", "rm", "-f", "-t", "2", name).Run() })
	url := fmt.Sprintf("http://127.0.0.1:%d/health", port)
	want := fmt.Sprintf(`{"status":"ok","version":%q}`, ver)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != want {
				t.Fatalf("GET /health = %d %s, want 200 %s", resp.StatusCode, body, want)
			}
			break
		}
		if time.Now().After(deadline) {
			logs, _ := exec.Command("podman", "logs", name).CombinedOutput()
			t.Fatalf("the container did not serve %s within 30s: %v\n%s", url, err, logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
	top, err := exec.Command("podman", "top", name, "user", "huser").CombinedOutput()
	if err != nil || !bytes.Contains(top, []byte("65532")) {
		t.Errorf("the service does not run as uid 65532 (%v):\n%s", err, top)
	}
}

func containsEnv(env []string, kv string) bool {
	for _, e := range env {
		if e == kv {
			return true
		}
	}
	return false
}
