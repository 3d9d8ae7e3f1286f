package tf

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTerraform writes a terraform stand-in that records each command and,
// for init, leaves what a real init leaves in the data directory.
func fakeTerraform(t *testing.T) (path, calls string) {
	t.Helper()
	dir := t.TempDir()
	calls = filepath.Join(dir, "calls")
	path = filepath.Join(dir, "terraform")
	script := `#!/bin/sh
echo "$1" >> ` + calls + `
case "$1" in
version) echo '{"terraform_version":"1.11.4","platform":"linux_amd64","provider_selections":{},"terraform_outdated":false}' ;;
init) mkdir -p "$TF_DATA_DIR/providers" && echo '{}' > "$TF_DATA_DIR/terraform.tfstate" ;;
*) exit 1 ;;
esac
`
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path, calls
}

// TestInitOnlyWhenNeeded: a second init with nothing changed is skipped;
// a changed configuration, backend, lock file or a damaged data directory
// each make it run again.
func TestInitOnlyWhenNeeded(t *testing.T) {
	t.Parallel()
	exe, calls := fakeTerraform(t)
	cfgDir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(cfgDir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("main.tf", "terraform {}\n")
	write(".terraform.lock.hcl", "# lock\n")
	runner := func(bucket string) *Runner {
		r, err := New(Config{Dir: cfgDir, Env: "test", Backend: Backend{Bucket: bucket, Region: "us-east-1"}, ExecPath: exe, Environ: []string{"PATH=/usr/bin:/bin"}})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	inits := func() int {
		data, _ := os.ReadFile(calls)
		return strings.Count(string(data), "init\n")
	}
	ctx := context.Background()
	steps := []struct {
		name   string
		change func()
		bucket string
		want   int
	}{
		{"first", func() {}, "state", 1},
		{"nothing changed", func() {}, "state", 1},
		{"configuration changed", func() { write("main.tf", "terraform { required_version = \">= 1.11\" }\n") }, "state", 2},
		{"unchanged again", func() {}, "state", 2},
		{"lock file changed", func() { write(".terraform.lock.hcl", "# lock 2\n") }, "state", 3},
		{"another backend", func() {}, "other-state", 4},
		{"providers gone", func() { _ = os.RemoveAll(filepath.Join(cfgDir, ".terraform", "env-test", "providers")) }, "other-state", 5},
		{"unchanged at last", func() {}, "other-state", 5},
	}
	for _, s := range steps {
		s.change()
		if err := runner(s.bucket).Init(ctx); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := inits(); got != s.want {
			t.Fatalf("%s: terraform init ran %d times in all, want %d", s.name, got, s.want)
		}
	}
}
