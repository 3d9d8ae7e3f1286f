package steps

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gangway-dev/gangway/ci/testjson"
)

// TestSuiteArgsReportParses runs SuiteArgs in a small module laid out like
// the repository (a ./tests package) and reads the stream with testjson:
// the command line and the reader agree on a real event stream, passing,
// failing and not compiling.
func TestSuiteArgsReportParses(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles and runs a test package")
	}
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/suite\n\ngo 1.22\n")
	write("tests/suite_test.go", `package tests

import (
	"os"
	"testing"
)

func TestHealth(t *testing.T) { t.Log("ok") }

func TestDBStatus(t *testing.T) {
	if os.Getenv("BREAK") != "" {
		t.Fatal("db/status: 503 service unavailable")
	}
}
`)
	run := func(env ...string) *testjson.Report {
		args := SuiteArgs()
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		out, _ := cmd.Output() // a failing suite exits 1; the report says why
		return testjson.Parse(out)
	}
	if r := run(); !r.OK() || strings.Join(r.Passed(), ",") != "TestDBStatus,TestHealth" {
		t.Errorf("passing suite: OK=%v passed=%v err=%v", r.OK(), r.Passed(), r.Err())
	}
	r := run("BREAK=1")
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), "503 service unavailable") {
		t.Errorf("failing suite: Err() = %v, want the failing check's output", err)
	}
	write("tests/broken_test.go", "package tests\n\nfunc broken() { undefinedThing() }\n")
	if err := run().Err(); err == nil || !strings.Contains(err.Error(), "undefined: undefinedThing") {
		t.Errorf("suite that does not compile: Err() = %v, want the compiler's message", err)
	}
}
