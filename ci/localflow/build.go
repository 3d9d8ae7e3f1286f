package localflow

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The defect --break builds into the release: its INSERT goes to a table
// that does not exist, so /db/create fails while /health and /db/status
// (what the rollout's health gate checks) stay fine. Only the integration
// suite can catch it.
const (
	breakFile    = "app/internal/store/store.go"
	breakCorrect = "INSERT INTO records ("
	breakWrong   = "INSERT INTO records_missing ("
)

// version names a local build: the commit, "-dirty" when the work tree has
// changes, and the run number so that each run is a changed deploy.
func version(ctx context.Context, root string, run int) string {
	v := "local"
	if out, err := exec.CommandContext(ctx, "git", "-C", root, "rev-parse", "--short=12", "HEAD").Output(); err == nil {
		v = strings.TrimSpace(string(out))
		if out, err := exec.CommandContext(ctx, "git", "-C", root, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(out)) > 0 {
			v += "-dirty"
		}
	}
	return fmt.Sprintf("%s.run%d", v, run)
}

// buildImage builds the service the way the Dagger module does (a static
// binary in a FROM-scratch image, app/Containerfile) and returns the local
// image name. With broken, the binary carries the defect above through a
// build overlay; the source tree is not touched.
func buildImage(ctx context.Context, root, dir, ver string, broken bool, run func(context.Context, string, ...string) error) (string, error) {
	buildCtx := filepath.Join(dir, "build", ver)
	if err := os.MkdirAll(buildCtx, 0o755); err != nil {
		return "", err
	}
	args := []string{"build", "-trimpath", "-ldflags=-s", "-o", filepath.Join(buildCtx, "app")}
	if broken {
		overlay, err := breakOverlay(root, buildCtx)
		if err != nil {
			return "", err
		}
		args = append(args, "-overlay", overlay)
	}
	args = append(args, "./app")
	if err := run(ctx, root, append([]string{"env", "CGO_ENABLED=0", "go"}, args...)...); err != nil {
		return "", fmt.Errorf("building the service: %w", err)
	}
	certs, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	if err != nil {
		return "", fmt.Errorf("reading the CA bundle for the image (apt-get install ca-certificates): %w", err)
	}
	if err := os.WriteFile(filepath.Join(buildCtx, "ca-certificates.crt"), certs, 0o644); err != nil {
		return "", err
	}
	image := "localhost/gangway-local:" + ver
	if err := run(ctx, root, "podman", "build", "--quiet", "--no-cache", "-f", filepath.Join(root, "app", "Containerfile"),
		"--build-arg", "VERSION="+ver, "-t", image, buildCtx); err != nil {
		return "", fmt.Errorf("building the image: %w", err)
	}
	return image, nil
}

// breakOverlay writes a go build -overlay file that swaps breakFile for a
// copy with the defect, and fails loudly when the source no longer has the
// statement it breaks.
func breakOverlay(root, dir string) (string, error) {
	src := filepath.Join(root, breakFile)
	code, err := os.ReadFile(src)
	if err != nil {
		return "", fmt.Errorf("--break: %w", err)
	}
	if !bytes.Contains(code, []byte(breakCorrect)) {
		return "", fmt.Errorf("--break: %s no longer contains %q; update localflow's defect", breakFile, breakCorrect)
	}
	broken := filepath.Join(dir, "store_broken.go")
	if err := os.WriteFile(broken, bytes.Replace(code, []byte(breakCorrect), []byte(breakWrong), 1), 0o644); err != nil {
		return "", err
	}
	overlay, err := json.Marshal(map[string]map[string]string{"Replace": {src: broken}})
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "overlay.json")
	return path, os.WriteFile(path, overlay, 0o644)
}

// pushImage pushes a local image to repo (host/name on the local registry)
// and returns the digest reference repo@sha256:….
func pushImage(ctx context.Context, root, dir, image, repo, tag string, run func(context.Context, string, ...string) error) (string, error) {
	digestFile := filepath.Join(dir, "build", "digest-"+tag)
	if err := run(ctx, root, "podman", "push", "--quiet", "--tls-verify=false", "--digestfile", digestFile, image, repo+":"+tag); err != nil {
		return "", fmt.Errorf("pushing %s: %w", image, err)
	}
	digest, err := os.ReadFile(digestFile)
	if err != nil {
		return "", fmt.Errorf("reading the pushed digest: %w", err)
	}
	d := strings.TrimSpace(string(digest))
	if !strings.HasPrefix(d, "sha256:") || len(d) != len("sha256:")+64 {
		return "", fmt.Errorf("podman push reported %q, not a sha256 digest", d)
	}
	return repo + "@" + d, nil
}
