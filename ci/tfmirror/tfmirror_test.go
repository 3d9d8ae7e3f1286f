package tfmirror

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// mirror makes a directory holding hashicorp/aws for one platform when
// withAWS is true, and an empty provider directory otherwise.
func mirror(t *testing.T, withAWS bool) string {
	t.Helper()
	dir := t.TempDir()
	aws := filepath.Join(dir, "registry.terraform.io", "hashicorp", "aws")
	if withAWS {
		aws = filepath.Join(aws, "5.100.0", "linux_amd64")
	}
	if err := os.MkdirAll(aws, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestFind(t *testing.T) {
	t.Parallel()
	with, empty, missing := mirror(t, true), mirror(t, false), filepath.Join(t.TempDir(), "none")
	cases := []struct {
		name       string
		explicit   string
		candidates []string
		want       string
	}{
		{"the variable wins", empty, []string{with}, empty},
		{"the first candidate with the provider", "", []string{missing, empty, with}, with},
		{"no candidate has it", "", []string{missing, empty}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := find(c.explicit, c.candidates); got != c.want {
				t.Errorf("find(%q, %q) = %q, want %q", c.explicit, c.candidates, got, c.want)
			}
		})
	}
}

func TestDirReadsTheVariable(t *testing.T) {
	t.Parallel()
	getenv := func(k string) string { return map[string]string{EnvVar: "/srv/mirror"}[k] }
	if got, want := Dir(getenv), "/srv/mirror"; got != want {
		t.Errorf("Dir(%s=%s) = %q, want %q", EnvVar, want, got, want)
	}
}

func TestCLIConfig(t *testing.T) {
	t.Parallel()
	want := "provider_installation {\n  filesystem_mirror {\n    path = \"/opt/tf-plugins\"\n  }\n}\n"
	if got := CLIConfig("/opt/tf-plugins"); got != want {
		t.Errorf("CLIConfig = %q, want %q", got, want)
	}
}

// TestShellHelperAgrees holds .ci/lib/tfmirror.sh to this package: the
// same candidates in the same order, the same answers, the same file.
func TestShellHelperAgrees(t *testing.T) {
	t.Parallel()
	_, self, _, _ := runtime.Caller(0)
	lib := filepath.Join(filepath.Dir(self), "..", "..", ".ci", "lib", "tfmirror.sh")
	if _, err := os.Stat(lib); err != nil {
		// Only the Dagger module's upload leaves .ci out, and its containers
		// see no CI variable; a checkout under CI=true must have it.
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: %v", lib, err)
		}
		t.Skipf("no %s in this tree (the Dagger module's upload leaves .ci out): %v", lib, err)
	}
	sh := func(t *testing.T, env []string, script string) (string, bool) {
		t.Helper()
		cmd := exec.Command("bash", "-c", "source \"$0\"; "+script, lib)
		cmd.Env = env
		out, err := cmd.Output()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatalf("bash: %v", err)
		}
		return string(out), err == nil
	}
	noVar := []string{"PATH=" + os.Getenv("PATH")}

	t.Run("candidates", func(t *testing.T) {
		got, _ := sh(t, noVar, `printf '%s\n' "${TF_MIRROR_CANDIDATES[@]}"`)
		if want := strings.Join(Candidates(), "\n") + "\n"; got != want {
			t.Errorf("TF_MIRROR_CANDIDATES =\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("this machine", func(t *testing.T) {
		got, ok := sh(t, noVar, "tf_mirror")
		want := Dir(func(string) string { return "" })
		if strings.TrimSuffix(got, "\n") != want || ok != (want != "") {
			t.Errorf("tf_mirror = %q (success %v), Dir = %q", got, ok, want)
		}
	})
	t.Run("the variable", func(t *testing.T) {
		dir := mirror(t, false)
		got, ok := sh(t, append(noVar, EnvVar+"="+dir), "tf_mirror")
		if got != dir+"\n" || !ok {
			t.Errorf("tf_mirror with %s=%s = %q (success %v)", EnvVar, dir, got, ok)
		}
	})
	t.Run("has", func(t *testing.T) {
		for _, withAWS := range []bool{true, false} {
			dir := mirror(t, withAWS)
			if HasAWS(dir) != withAWS {
				t.Errorf("HasAWS(%s) = %v, want %v", dir, !withAWS, withAWS)
			}
			_, ok := sh(t, noVar, "tf_mirror_has "+dir)
			if ok != HasAWS(dir) {
				t.Errorf("tf_mirror_has %s = %v, HasAWS = %v", dir, ok, HasAWS(dir))
			}
		}
	})
	t.Run("config", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "terraformrc")
		sh(t, noVar, "tf_mirror_config /opt/tf-plugins "+file)
		got, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if want := CLIConfig("/opt/tf-plugins"); string(got) != want {
			t.Errorf("tf_mirror_config wrote %q, CLIConfig = %q", got, want)
		}
	})
}
