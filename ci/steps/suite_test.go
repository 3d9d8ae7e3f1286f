package steps

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSuiteArgsReportParses compiles a small test package the way the module
// compiles tests/ (go test -c), runs it with SuiteArgs and parses the report:
// the command line and the parser agree on a real event stream.
func TestSuiteArgsReportParses(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a test binary")
	}
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/suite\n\ngo 1.22\n")
	write("suite_test.go", `package suite

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
	build := exec.Command("go", "test", "-c", "-o", "suite.test", ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go test -c: %v\n%s", err, out)
	}
	run := func(breakIt bool) TestReport {
		args := SuiteArgs(filepath.Join(dir, "suite.test"))
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = os.Environ()
		if breakIt {
			cmd.Env = append(cmd.Env, "BREAK=1")
		}
		out, _ := cmd.Output() // a failing suite exits 1; the report says why
		if !strings.Contains(string(out), `"Package":"`+SuitePackage+`"`) {
			t.Errorf("report does not name the suite's package:\n%s", out)
		}
		return ParseTestJSON(out)
	}
	if r := run(false); !r.OK() || strings.Join(r.Passed, ",") != "TestHealth,TestDBStatus" {
		t.Errorf("passing suite: OK=%v passed=%v failed=%v", r.OK(), r.Passed, r.Failed)
	}
	r := run(true)
	if r.OK() || strings.Join(r.Failed, ",") != "TestDBStatus" {
		t.Fatalf("failing suite: OK=%v failed=%v", r.OK(), r.Failed)
	}
	if err := r.Error(); err == nil || !strings.Contains(err.Error(), "503 service unavailable") {
		t.Errorf("failure report = %v, want the failing check's output", err)
	}
}
