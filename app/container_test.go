package main

import (
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gangway-dev/gangway/internal/testenv"
)

// TestStaticBinaryInScratchImage builds the service as the image needs it
// (static), builds app/Containerfile with podman, runs it with host
// networking and checks that it serves /health as the unprivileged user.
func TestStaticBinaryInScratchImage(t *testing.T) {
	t.Parallel()
	podman, err := exec.LookPath("podman")
	if err != nil {
		testenv.Need(t, "podman", fmt.Errorf("podman: %w (apt-get install podman runc)", testenv.ErrMissing))
	}
	ctxDir := t.TempDir()
	build := exec.Command("go", "build", "-ldflags=-s", "-o", filepath.Join(ctxDir, "app"), ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	assertStatic(t, filepath.Join(ctxDir, "app"))
	certs, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	if err != nil {
		t.Fatalf("the CA bundle the image needs: %v", err)
	}
	if err := os.WriteFile(filepath.Join(ctxDir, "ca-certificates.crt"), certs, 0o644); err != nil {
		t.Fatal(err)
	}

	suffix := testenv.RandomHex(4)
	tag := "localhost/gangway-app-test:" + suffix
	name := "gangway-app-test-" + suffix
	version := "img-" + suffix
	podmanRun := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(podman, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	podmanRun("build", "-q", "-f", "Containerfile", "--build-arg", "VERSION="+version, "-t", tag, ctxDir)
	t.Cleanup(func() { _ = exec.Command(podman, "rmi", "-f", tag).Run() })

	var inspect []struct {
		Config struct {
			User         string
			Entrypoint   []string
			ExposedPorts map[string]struct{}
		}
	}
	if err := json.Unmarshal([]byte(podmanRun("image", "inspect", tag)), &inspect); err != nil || len(inspect) != 1 {
		t.Fatalf("podman image inspect: %v", err)
	}
	if got := inspect[0].Config.User; got != "65532:65532" {
		t.Errorf("image user = %q, want 65532:65532", got)
	}
	if _, ok := inspect[0].Config.ExposedPorts["8000/tcp"]; !ok {
		t.Errorf("image does not expose 8000/tcp: %v", inspect[0].Config.ExposedPorts)
	}

	port, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	podmanRun("run", "-d", "--name", name, "--network", "host",
		"-e", fmt.Sprintf("PORT=%d", port), "-e", "LISTEN_HOST=127.0.0.1", tag)
	t.Cleanup(func() { _ = exec.Command(podman, "rm", "-f", "-t", "5", name).Run() })

	url := fmt.Sprintf("http://127.0.0.1:%d/health", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if got, want := string(body), fmt.Sprintf(`{"status":"ok","version":%q}`+"\n", version); resp.StatusCode != 200 || got != want {
				t.Fatalf("GET /health in the container = %d %q, want 200 %q", resp.StatusCode, got, want)
			}
			break
		}
		if time.Now().After(deadline) {
			logs, _ := exec.Command(podman, "logs", name).CombinedOutput()
			t.Fatalf("the container did not serve %s within 30s: %v\nlogs:\n%s", url, err, logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if out := podmanRun("exec", name, "/app", "-healthcheck"); !strings.Contains(out, `"status":"ok"`) {
		t.Errorf("/app -healthcheck in the container printed %q", out)
	}
	if got := podmanRun("top", name, "user", "huser"); !strings.Contains(got, "65532") {
		t.Errorf("the service does not run as uid 65532:\n%s", got)
	}
}

// assertStatic fails unless the ELF file needs no dynamic loader or library.
func assertStatic(t *testing.T, path string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatalf("%s is dynamically linked (has an interpreter); build with CGO_ENABLED=0", path)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Fatalf("%s needs shared libraries %v", path, libs)
	}
}
