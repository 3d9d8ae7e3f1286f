package testjson

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Results of a test or a package.
const (
	Pass = "pass"
	Fail = "fail"
	Skip = "skip"
	// Unfinished is a test that started and never reported a result: the
	// run was killed, timed out or panicked in another test.
	Unfinished = "unfinished"
)

// event is one line of the stream (cmd/test2json's TestEvent, plus the
// build events of go test -json since Go 1.24).
type event struct {
	Action      string
	Package     string
	Test        string
	Output      string
	Elapsed     float64
	ImportPath  string // build-output, build-fail
	FailedBuild string // on a package's fail: the build that failed
}

// Test is one test or subtest.
type Test struct {
	Package string  `json:"package"`
	Name    string  `json:"name"`
	Result  string  `json:"result"`
	Seconds float64 `json:"seconds"`
	// Leaf is false for a test that ran subtests: its result only repeats
	// theirs, so counts leave it out.
	Leaf   bool     `json:"leaf"`
	Output []string `json:"output,omitempty"`
}

// Package is one tested package.
type Package struct {
	Name    string  `json:"name"`
	Result  string  `json:"result"`
	Seconds float64 `json:"seconds"`
	// BuildFailed is true when the package's tests did not compile; Output
	// then holds the compiler's messages.
	BuildFailed bool     `json:"build_failed,omitempty"`
	Output      []string `json:"output,omitempty"`
}

// Report is what a stream says.
type Report struct {
	Packages []*Package `json:"packages"`
	Tests    []*Test    `json:"tests"`
	// Stray holds the lines that were not test2json events.
	Stray []string `json:"stray,omitempty"`
}

// Failure is one reason a run did not pass: a failed or unfinished leaf
// test, or a package that failed without one (Test is then empty).
type Failure struct {
	Package string
	Test    string
	Result  string
	Output  []string
}

// Title names the failure for a summary or an annotation.
func (f Failure) Title() string {
	if f.Test == "" {
		return f.Package
	}
	return f.Test
}

// Read parses a stream. Lines may be of any length. It fails only when r
// does.
func Read(r io.Reader) (*Report, error) {
	p := newParser()
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			p.line(bytes.TrimRight(line, "\r\n"))
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading go test -json output: %w", err)
		}
	}
	return p.report(), nil
}

// Parse parses a stream held in memory.
func Parse(data []byte) *Report {
	r, _ := Read(bytes.NewReader(data)) // a bytes.Reader never fails
	return r
}

type parser struct {
	pkgs     map[string]*Package
	pkgOrder []*Package
	tests    map[string]*Test
	order    []*Test
	builds   map[string][]string // ImportPath -> build output
	stray    []string
}

func newParser() *parser {
	return &parser{pkgs: map[string]*Package{}, tests: map[string]*Test{}, builds: map[string][]string{}}
}

func (p *parser) pkg(name string) *Package {
	if pk, ok := p.pkgs[name]; ok {
		return pk
	}
	pk := &Package{Name: name}
	p.pkgs[name] = pk
	p.pkgOrder = append(p.pkgOrder, pk)
	return pk
}

func (p *parser) line(line []byte) {
	if len(bytes.TrimSpace(line)) == 0 {
		return
	}
	var ev event
	if line[0] != '{' || json.Unmarshal(line, &ev) != nil || ev.Action == "" {
		p.stray = append(p.stray, string(line))
		return
	}
	switch ev.Action {
	case "build-output":
		p.builds[ev.ImportPath] = append(p.builds[ev.ImportPath], strings.TrimRight(ev.Output, "\n"))
		return
	case "build-fail":
		return // the package's fail event names the build (FailedBuild)
	}
	if ev.Test == "" {
		pk := p.pkg(ev.Package)
		switch ev.Action {
		case "output":
			pk.Output = append(pk.Output, strings.TrimRight(ev.Output, "\n"))
		case Pass, Fail, Skip:
			pk.Result, pk.Seconds = ev.Action, ev.Elapsed
			if ev.FailedBuild != "" {
				pk.BuildFailed = true
				pk.Output = append(p.builds[ev.FailedBuild], pk.Output...)
			}
		}
		return
	}
	p.pkg(ev.Package)
	key := ev.Package + "\x00" + ev.Test
	t, ok := p.tests[key]
	if !ok {
		t = &Test{Package: ev.Package, Name: ev.Test, Leaf: true}
		p.tests[key] = t
		p.order = append(p.order, t)
		if i := strings.LastIndex(ev.Test, "/"); i >= 0 {
			if parent, ok := p.tests[ev.Package+"\x00"+ev.Test[:i]]; ok {
				parent.Leaf = false
			}
		}
	}
	switch ev.Action {
	case "output":
		t.Output = append(t.Output, strings.TrimRight(ev.Output, "\n"))
	case Pass, Fail, Skip:
		t.Result, t.Seconds = ev.Action, ev.Elapsed
	}
}

func (p *parser) report() *Report {
	r := &Report{Packages: p.pkgOrder, Tests: p.order, Stray: p.stray}
	for _, t := range r.Tests {
		if t.Result == "" {
			t.Result = Unfinished
		}
	}
	for _, pk := range r.Packages {
		if pk.Result == "" {
			pk.Result = Unfinished
		}
	}
	// Build output with no package event at all (go test killed early).
	for path, out := range p.builds {
		if !p.claimed(path) {
			r.Packages = append(r.Packages, &Package{Name: strings.Fields(path)[0], Result: Fail, BuildFailed: true, Output: out})
		}
	}
	return r
}

func (p *parser) claimed(importPath string) bool {
	name := strings.Fields(importPath)[0]
	pk, ok := p.pkgs[name]
	return ok && pk.BuildFailed
}

// Counts returns the leaf tests that passed, failed (unfinished ones
// included) and were skipped, plus one failure for each package that failed
// without a failing test.
func (r *Report) Counts() (passed, failed, skipped int) {
	for _, t := range r.Tests {
		if !t.Leaf {
			continue
		}
		switch t.Result {
		case Pass:
			passed++
		case Skip:
			skipped++
		default:
			failed++
		}
	}
	for _, pk := range r.Packages {
		if pk.Result != Pass && pk.Result != Skip && !r.hasFailedTest(pk.Name) {
			failed++
		}
	}
	return passed, failed, skipped
}

func (r *Report) hasFailedTest(pkg string) bool {
	for _, t := range r.Tests {
		if t.Package == pkg && t.Leaf && t.Result != Pass && t.Result != Skip {
			return true
		}
	}
	return false
}

// Failures lists why the run did not pass, in order: failed and unfinished
// leaf tests, then packages that failed without one (a build failure, a
// panic outside a test), with their output. Stray lines count as a
// package's output when the run has no event at all.
func (r *Report) Failures() []Failure {
	var fs []Failure
	for _, t := range r.Tests {
		if t.Leaf && t.Result != Pass && t.Result != Skip {
			fs = append(fs, Failure{Package: t.Package, Test: t.Name, Result: t.Result, Output: t.Output})
		}
	}
	for _, pk := range r.Packages {
		if pk.Result != Pass && pk.Result != Skip && !r.hasFailedTest(pk.Name) {
			fs = append(fs, Failure{Package: pk.Name, Result: pk.Result, Output: pk.Output})
		}
	}
	if len(r.Packages) == 0 && len(r.Stray) > 0 {
		fs = append(fs, Failure{Package: "(no test events)", Result: Fail, Output: r.Stray})
	}
	return fs
}

// Passed returns the names of the leaf tests that passed, sorted.
func (r *Report) Passed() []string {
	var names []string
	for _, t := range r.Tests {
		if t.Leaf && t.Result == Pass {
			names = append(names, t.Name)
		}
	}
	sort.Strings(names)
	return names
}

// OK reports whether at least one test passed and nothing failed.
func (r *Report) OK() bool {
	passed, failed, _ := r.Counts()
	return passed > 0 && failed == 0 && len(r.Failures()) == 0
}

// Err says why the run did not pass, with the end of each failure's
// output, or is nil when OK.
func (r *Report) Err() error {
	if r.OK() {
		return nil
	}
	fs := r.Failures()
	if len(fs) == 0 {
		return errors.New("the suite ran no test: the report holds no passed test")
	}
	var b strings.Builder
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.Title()
	}
	fmt.Fprintf(&b, "%d failed: %s", len(fs), strings.Join(names, ", "))
	for _, f := range fs {
		if out := Excerpt(Clean(f.Output)); len(out) > 0 {
			fmt.Fprintf(&b, "\n--- %s (%s)\n%s", f.Title(), f.Result, strings.Join(out, "\n"))
		}
	}
	return errors.New(b.String())
}

// Clean drops go test's framing lines (=== RUN, --- FAIL, PASS, ok …) from
// output, keeping what the test or the compiler said.
func Clean(lines []string) []string {
	var out []string
	for _, l := range lines {
		trimmed := strings.TrimSpace(l)
		if trimmed == "" || strings.HasPrefix(trimmed, "=== ") || strings.HasPrefix(trimmed, "--- ") ||
			trimmed == "FAIL" || trimmed == "PASS" || strings.HasPrefix(trimmed, "FAIL\t") || strings.HasPrefix(trimmed, "ok  \t") {
			continue
		}
		out = append(out, trimmed)
	}
	return out
}

// Excerpt bounds a failure's output for a message: the first lines (where
// a panic or the first error is) and the last ones (where a test ends), each
// cut at a readable length.
func Excerpt(lines []string) []string {
	const head, tail, width = 8, 12, 1000
	if len(lines) > head+tail {
		lines = append(append(append([]string{}, lines[:head]...), "…"), lines[len(lines)-tail:]...)
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		if len(l) > width {
			l = l[:width/2] + " … " + l[len(l)-width/2:]
		}
		out[i] = l
	}
	return out
}
