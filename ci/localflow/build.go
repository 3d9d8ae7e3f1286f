package localflow

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/gangway-dev/gangway/ci/steps"
)

// defect is a real bug a run builds into its release, by replacing the one
// occurrence of correct in file with wrong in the build context.
type defect struct {
	flag, file, correct, wrong string
}

// gateDefect (--break): the INSERT goes to a table that does not exist, so
// /db/create fails while /health and /db/status (what the rollout's health
// gate and bake check) stay fine. Only the integration suite can catch it.
var gateDefect = defect{
	flag:    "--break",
	file:    "app/internal/store/store.go",
	correct: "INSERT INTO records (",
	wrong:   "INSERT INTO records_missing (",
}

// lateDefect (--break-late): the status query's rows are never closed, so
// every /db/status keeps a pooled connection. The release passes the
// health gate and fails a few seconds after its cutover, once the pool (10
// connections) is spent: only the rollout's bake can catch it, and the
// host must switch back by itself.
var lateDefect = defect{
	flag:    "--break-late",
	file:    "app/internal/store/store.go",
	correct: `err := s.pool.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&st.SchemaVersion)`,
	wrong: `rows, err := s.pool.Query(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations")
	if err == nil && rows.Next() {
		err = rows.Scan(&st.SchemaVersion)
	}`,
}

// apply writes the defect into the build context dir.
func (d defect) apply(dir string) error {
	target := filepath.Join(dir, d.file)
	code, err := os.ReadFile(target)
	if err != nil {
		return fmt.Errorf("%s: %w", d.flag, err)
	}
	if bytes.Count(code, []byte(d.correct)) != 1 {
		return fmt.Errorf("%s: %s no longer contains %q exactly once; update localflow's defect", d.flag, d.file, d.correct)
	}
	return os.WriteFile(target, bytes.Replace(code, []byte(d.correct), []byte(d.wrong), 1), 0o644)
}

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

// commit is the checkout's revision ("" outside git).
func commit(ctx context.Context, root string) string {
	out, err := exec.CommandContext(ctx, "git", "-C", root, "rev-parse", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// buildContext copies what the image recipe reads (go.mod, go.sum, app/)
// from root into dir, the same tree the Dagger module hands DockerBuild.
// With a defect, the copy carries it; the source tree is never touched.
func buildContext(root, dir string, bug *defect) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	for _, name := range []string{"go.mod", "go.sum"} {
		if err := copyFile(filepath.Join(root, name), filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	appDir := filepath.Join(root, "app")
	err := filepath.WalkDir(appDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		return copyFile(path, filepath.Join(dir, rel))
	})
	if err != nil {
		return fmt.Errorf("copying app/ into the build context: %w", err)
	}
	if bug == nil {
		return nil
	}
	return bug.apply(dir)
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}

// goEnv asks the go command in root for one setting (the toolchain that
// go.mod selects, its module cache).
func goEnv(ctx context.Context, root, name string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "env", name)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %w", name, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// podmanBuildArgs is the podman command line that builds the image recipe
// offline: the same Containerfile, platform and build arguments as the
// Dagger module's DockerBuild, with the build stage's base swapped for an
// empty one and this machine's Go toolchain, module cache (read-only,
// GOPROXY=off) and build cache mounted where the golang image keeps them.
// That swap is the build seam: no registry can be reached here.
func podmanBuildArgs(root, ctxDir, tag, goroot, modcache, gocache string, args []steps.BuildArg) []string {
	// --no-cache: podman 4.3's layer cache keys an ENV that expands a build
	// argument by its text, so a new VERSION would reuse an old layer; the
	// Go build cache (mounted) keeps the rebuild fast.
	cmd := []string{"podman", "build", "--quiet", "--no-cache", "--platform", steps.HostPlatform,
		"-f", filepath.Join(root, steps.Containerfile),
		"--build-arg", "GO_IMAGE=scratch", "--build-arg", "GOPROXY=off",
		"-v", goroot + ":/usr/local/go:ro", "-v", modcache + ":/go/pkg/mod:ro", "-v", gocache + ":/tmp/go-build"}
	for _, a := range args {
		cmd = append(cmd, "--build-arg", a.Name+"="+a.Value)
	}
	return append(cmd, "-t", tag, ctxDir)
}

// buildImage builds the service image for version ver from the recipe and
// returns the local image name.
func buildImage(ctx context.Context, root, dir, ver string, bug *defect, run func(context.Context, string, ...string) error) (string, error) {
	ctxDir := filepath.Join(dir, "build", ver)
	if err := buildContext(root, ctxDir, bug); err != nil {
		return "", err
	}
	var env [3]string
	for i, name := range []string{"GOROOT", "GOMODCACHE", "GOCACHE"} {
		v, err := goEnv(ctx, root, name)
		if err != nil {
			return "", err
		}
		env[i] = v
	}
	// The build stage runs with GOPROXY=off: every module must be here.
	if err := run(ctx, root, "go", "mod", "download"); err != nil {
		return "", fmt.Errorf("downloading the service's modules for the build: %w", err)
	}
	image := "localhost/gangway-local:" + ver
	if err := run(ctx, root, podmanBuildArgs(root, ctxDir, image, env[0], env[1], env[2], steps.ImageBuildArgs(ver, ""))...); err != nil {
		return "", fmt.Errorf("building the image from %s: %w", steps.Containerfile, err)
	}
	return image, nil
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
	return repo + "@" + strings.TrimSpace(string(digest)), nil
}
