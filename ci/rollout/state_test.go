package rollout

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gangway-dev/gangway/internal/components"
)

// The state script runs for real on a state directory as the rollout
// script leaves it, and on an empty one.
func TestStateScript(t *testing.T) {
	t.Parallel()
	img := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/gangway-prod@" + digest
	before := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/gangway-prod@sha256:" + strings.Repeat("b", 64)
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "current"), []byte(img+" green\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(full, "previous"), []byte(before+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	odd := t.TempDir()
	if err := os.WriteFile(filepath.Join(odd, "current"), []byte(`x"}`+"\\ blue\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, dir string
		want      HostState
	}{
		{"deployed", full, HostState{Image: img, Slot: "green", Previous: before}},
		{"never deployed", t.TempDir(), HostState{}},
		{"no state dir", filepath.Join(t.TempDir(), "missing dir"), HostState{}},
		{"characters outside the grammar", odd, HostState{Image: "x", Slot: "blue"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			out, err := exec.Command("bash", "-c", StateScript(c.dir)).Output()
			if err != nil {
				t.Fatalf("state script: %v", err)
			}
			got, err := ParseState("some log\n" + string(out))
			if err != nil || got != c.want {
				t.Errorf("ParseState = %+v, %v; want %+v (output %q)", got, err, c.want, out)
			}
		})
	}
}

func TestStateScriptShellcheck(t *testing.T) {
	t.Parallel()
	components.SkipShort(t, "shellcheck")
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Fatalf("shellcheck is required (bash .ci/setup installs it): %v", err)
	}
	cmd := exec.Command("shellcheck", "--shell=bash", "--severity=style", "-")
	cmd.Stdin = strings.NewReader(StateScript("/var/lib/gangway"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out.String())
	}
}

func TestParseStateRefuses(t *testing.T) {
	t.Parallel()
	for _, out := range []string{"", "no line\n", "x" + StatePrefix + `{"image":"a"}`, StatePrefix + `{"image":`} {
		if _, err := ParseState(out); err == nil {
			t.Errorf("ParseState(%q) accepted", out)
		}
	}
}
