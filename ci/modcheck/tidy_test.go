package modcheck

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// copyModule copies the ci module's sources (not Dagger's generated code)
// to ci/ in a new directory, leaving out skip, beside what its replace
// directive needs of the root module (as dagger.json includes it), and
// returns the copy's ci/.
func copyModule(t *testing.T, skip string) string {
	t.Helper()
	top := t.TempDir()
	for _, f := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(repoRoot, f))
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(top, f), string(data))
	}
	err := filepath.WalkDir(filepath.Join(repoRoot, "internal", "components"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(repoRoot, p)
		write(t, filepath.Join(top, rel), string(data))
		return nil
	})
	if err != nil {
		t.Fatalf("copying internal/components: %v", err)
	}
	dst := filepath.Join(top, "ci")
	err = filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("..", p)
		if d.IsDir() {
			if rel == "internal/dagger" || rel == "internal/querybuilder" || rel == "internal/telemetry" || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if rel == skip || rel == "dagger.gen.go" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		write(t, filepath.Join(dst, rel), string(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// What `dagger develop` generates imports Dagger's query builder and
	// telemetry packages, never dagger.io/dagger itself: stubs that import
	// nothing stand for it here (tidy reads imports, not types).
	write(t, filepath.Join(dst, "internal", "dagger", "dagger.gen.go"), "package dagger\n")
	write(t, filepath.Join(dst, "dagger.gen.go"), "package main\n\nimport _ \"github.com/gangway-dev/gangway/ci/internal/dagger\"\n\nfunc main() {}\n")
	return dst
}

func tidy(t *testing.T, dir string) string {
	t.Helper()
	cmd := exec.Command("go", "mod", "tidy")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go mod tidy: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestTidyKeepsTheSDK runs go mod tidy, as `dagger develop` does, on a copy
// of the module with generated code that does not import dagger.io/dagger:
// go.mod must not change (tools.go keeps the SDK). Without tools.go, the
// seeded defect, tidy drops the requirement.
func TestTidyKeepsTheSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go mod tidy")
	}
	t.Parallel()
	before, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if after := tidy(t, copyModule(t, "")); after != string(before) {
		t.Errorf("go mod tidy changes ci/go.mod:\n%s\nwant it unchanged:\n%s", after, before)
	}
	if after := tidy(t, copyModule(t, "tools.go")); strings.Contains(after, upstream+" ") {
		t.Errorf("without tools.go, tidy still keeps %s: the test cannot fail", upstream)
	}
	if !bytes.Contains(before, []byte(upstream+" v")) {
		t.Errorf("ci/go.mod does not require %s", upstream)
	}
}
