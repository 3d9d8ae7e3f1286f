// Package tftest prepares Terraform for tests: the terraform binary, a CLI
// configuration that installs hashicorp/aws from the offline mirror, and a
// private copy of the ci/tf fixture configuration. Like localworld, a missing
// component skips a test, except under CI=true where it fails it.
package tftest

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gangway-dev/gangway/ci/tfmirror"
	"github.com/gangway-dev/gangway/internal/components"
)

// need fails under CI=true and skips otherwise (components.Need's rule).
func need(t testing.TB, format string, args ...any) {
	t.Helper()
	components.Need(t, "terraform", fmt.Errorf("%w: "+format, append([]any{components.ErrMissing}, args...)...))
}

// mirror returns the provider mirror directory as ci/tfmirror finds it
// ($TF_PROVIDER_MIRROR, else the first known directory that holds
// hashicorp/aws), or "" when there is none.
func mirror() string {
	return tfmirror.Dir(os.Getenv)
}

// CLIConfig writes a terraform CLI configuration that installs providers
// from the mirror only, and returns its path (for TF_CLI_CONFIG_FILE). It
// checks terraform and the mirrored hashicorp/aws are there.
func CLIConfig(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("terraform"); err != nil {
		need(t, "terraform is not installed: %v", err)
	}
	mirror := mirror()
	if mirror == "" {
		need(t, "no hashicorp/aws provider mirror in %s (set %s)", strings.Join(tfmirror.Candidates(), ", "), tfmirror.EnvVar)
	}
	if !tfmirror.HasAWS(mirror) {
		need(t, "no hashicorp/aws provider in the mirror %s (set %s)", mirror, tfmirror.EnvVar)
	}
	return MirrorConfig(t, mirror)
}

// MirrorConfig writes a CLI configuration using mirror as the only provider source.
func MirrorConfig(t testing.TB, mirror string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "terraformrc")
	if err := os.WriteFile(p, []byte(tfmirror.CLIConfig(mirror)), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Fixture copies ci/tf/testdata/fixture into a new temporary directory and
// returns it.
func Fixture(t testing.TB) string {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	src := filepath.Join(filepath.Dir(self), "..", "testdata", "fixture")
	dst := filepath.Join(t.TempDir(), "terraform")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if d.Name() == ".terraform" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatalf("copying the fixture: %v", err)
	}
	return dst
}
