package testjson

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "record the corpus again: run go test -json in each testdata/fixtures/* and write testdata/*.jsonl")

// TestRecordCorpus re-records the corpus from the fixture packages with the
// go command of this machine (go test -run TestRecordCorpus -update).
func TestRecordCorpus(t *testing.T) {
	if !*update {
		t.Skip("the corpus is recorded only with -update")
	}
	dirs, err := filepath.Glob("testdata/fixtures/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		cmd := exec.Command("go", "test", "-json", "-count=1", "-timeout=3s", "./...")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		var out bytes.Buffer
		cmd.Stdout = &out
		_ = cmd.Run() // failing fixtures fail on purpose
		if err := os.WriteFile(filepath.Join("testdata", filepath.Base(dir)+".jsonl"), out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readCorpus(t *testing.T, name string) *Report {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCorpus(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                    string
		ok                      bool
		passed, failed, skipped int
		failures                string // titles, comma-separated
		inErr                   string // must appear in Err()
	}{
		{name: "pass", ok: true, passed: 3},
		{name: "fail", passed: 2, failed: 1, skipped: 1, failures: "TestRoundTrip/read", inErr: "GET /db/read: status 503"},
		{name: "buildfail", failed: 1, failures: "example.com/buildfail", inErr: "undefined: undefinedHelper"},
		{name: "panic", passed: 1, failed: 1, failures: "TestPanics", inErr: "assignment to entry in nil map"},
		{name: "timeout", passed: 1, failed: 1, failures: "TestHangs", inErr: "test timed out"},
		{name: "longline", passed: 1, failed: 1, failures: "TestLongLine", inErr: " END"},
		{name: "notests", failures: "", inErr: "ran no test"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := readCorpus(t, c.name)
			if got := r.OK(); got != c.ok {
				t.Errorf("OK() = %v, want %v", got, c.ok)
			}
			p, f, s := r.Counts()
			if p != c.passed || f != c.failed || s != c.skipped {
				t.Errorf("Counts() = %d passed, %d failed, %d skipped; want %d, %d, %d", p, f, s, c.passed, c.failed, c.skipped)
			}
			var titles []string
			for _, fl := range r.Failures() {
				titles = append(titles, fl.Title())
			}
			if got := strings.Join(titles, ","); got != c.failures {
				t.Errorf("Failures() = %q, want %q", got, c.failures)
			}
			err := r.Err()
			if c.ok {
				if err != nil {
					t.Errorf("Err() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.inErr) {
				t.Errorf("Err() = %v, want it to contain %q", err, c.inErr)
			}
		})
	}
}

func TestBuildFailureKeepsTheCompilerOutput(t *testing.T) {
	t.Parallel()
	r := readCorpus(t, "buildfail")
	if len(r.Packages) != 1 || !r.Packages[0].BuildFailed {
		t.Fatalf("packages = %+v, want one that failed to build", r.Packages)
	}
	if got := strings.Join(r.Packages[0].Output, "\n"); !strings.Contains(got, "buildfail_test.go:5:33: undefined: undefinedHelper") {
		t.Errorf("package output = %q, want the compiler's message", got)
	}
}

func TestLinesOfAnyLength(t *testing.T) {
	t.Parallel()
	r := readCorpus(t, "longline")
	if len(r.Tests) != 2 {
		t.Fatalf("read %d tests, want 2 (a reader that stops at a long line sees 1)", len(r.Tests))
	}
	if got := r.Tests[1]; got.Name != "TestAfterTheLongLine" || got.Result != Pass {
		t.Errorf("the test after the long line = %+v", got)
	}
}

func TestLeafCounting(t *testing.T) {
	t.Parallel()
	r := readCorpus(t, "pass")
	var leaves []string
	for _, tt := range r.Tests {
		if tt.Leaf {
			leaves = append(leaves, tt.Name)
		}
	}
	if got, want := strings.Join(leaves, ","), "TestHealth,TestRoundTrip/create,TestRoundTrip/read"; got != want {
		t.Errorf("leaves = %q, want %q (a parent with subtests is not counted)", got, want)
	}
}

func TestStrayLinesAndEmptyInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, inErr string
	}{
		{"empty", "", "ran no test"},
		{"only plain text", "go: downloading example.com/x v1\ncannot find package\n", "cannot find package"},
		{"truncated stream", `{"Action":"run","Package":"p","Test":"TestA"}` + "\n", "TestA"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := Parse([]byte(c.in))
			if r.OK() {
				t.Fatal("OK() = true")
			}
			if err := r.Err(); err == nil || !strings.Contains(err.Error(), c.inErr) {
				t.Errorf("Err() = %v, want %q", err, c.inErr)
			}
		})
	}
}
