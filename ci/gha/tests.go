package gha

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// testEvent is one line of `go test -json` (test2json).
type testEvent struct {
	Action  string  `json:"Action"`
	Package string  `json:"Package"`
	Test    string  `json:"Test"`
	Output  string  `json:"Output"`
	Elapsed float64 `json:"Elapsed"`
}

type testResult struct {
	pkg, name string
	action    string // pass, fail, skip
	elapsed   float64
	output    []string
}

// maxMessageLines bounds an annotation's message (the runner truncates long ones).
const maxMessageLines = 20

// TestsReport builds the report of `go test -json` output: counts, a table
// of tests, and one error annotation per failed test (a parent that failed
// only through its subtests is not annotated again). A package that failed
// without a failed test (a build error, a panic in TestMain) gets one too.
func TestsReport(rd io.Reader) (Report, error) {
	var order []*testResult
	byKey := map[string]*testResult{}
	pkgs := map[string]*testResult{}
	var pkgOrder []string
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 1024*1024), 16*1024*1024)
	lines := 0
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var ev testEvent
		if err := json.Unmarshal([]byte(line), &ev); err != nil || ev.Action == "" {
			// go test prints build errors as plain text before the JSON.
			continue
		}
		lines++
		if ev.Test == "" {
			p, ok := pkgs[ev.Package]
			if !ok {
				p = &testResult{pkg: ev.Package}
				pkgs[ev.Package] = p
				pkgOrder = append(pkgOrder, ev.Package)
			}
			switch ev.Action {
			case "output":
				p.output = append(p.output, strings.TrimRight(ev.Output, "\n"))
			case "pass", "fail", "skip":
				p.action, p.elapsed = ev.Action, ev.Elapsed
			}
			continue
		}
		key := ev.Package + "\x00" + ev.Test
		t, ok := byKey[key]
		if !ok {
			t = &testResult{pkg: ev.Package, name: ev.Test}
			byKey[key] = t
			order = append(order, t)
		}
		switch ev.Action {
		case "output":
			t.output = append(t.output, strings.TrimRight(ev.Output, "\n"))
		case "pass", "fail", "skip":
			t.action, t.elapsed = ev.Action, ev.Elapsed
		}
	}
	if err := sc.Err(); err != nil {
		return Report{}, fmt.Errorf("reading go test -json output: %w", err)
	}
	if lines == 0 {
		return Report{}, fmt.Errorf("no go test -json events in the input")
	}
	failedChild := map[string]bool{}
	for _, t := range order {
		if t.action == "fail" {
			if i := strings.LastIndex(t.name, "/"); i >= 0 {
				failedChild[t.pkg+"\x00"+t.name[:i]] = true
			}
		}
	}
	// Counts are over leaf tests: a parent's result only repeats its subtests'.
	hasChild := map[string]bool{}
	for _, t := range order {
		if i := strings.LastIndex(t.name, "/"); i >= 0 {
			hasChild[t.pkg+"\x00"+t.name[:i]] = true
		}
	}
	var passed, failed, skipped int
	var r Report
	var table strings.Builder
	table.WriteString("| test | result | time |\n| --- | --- | --- |\n")
	failedInPkg := map[string]bool{}
	for _, t := range order {
		res := t.action
		leaf := 0
		if !hasChild[t.pkg+"\x00"+t.name] {
			leaf = 1
		}
		switch t.action {
		case "pass":
			passed += leaf
		case "skip":
			skipped += leaf
		case "fail":
			failed += leaf
			failedInPkg[t.pkg] = true
			res = "**FAIL**"
			if !failedChild[t.pkg+"\x00"+t.name] {
				r.Annotations = append(r.Annotations, Annotation{Level: LevelError, Title: t.name, Message: message(t)})
			}
		default:
			res = "did not finish"
			failed++
			failedInPkg[t.pkg] = true
			r.Annotations = append(r.Annotations, Annotation{Level: LevelError, Title: t.name, Message: t.pkg + ": the test did not finish (timeout or crash)\n" + strings.Join(tail(clean(t.output)), "\n")})
		}
		fmt.Fprintf(&table, "| %s | %s | %.2fs |\n", code(t.name), res, t.elapsed)
	}
	for _, name := range pkgOrder {
		p := pkgs[name]
		if p.action == "fail" && !failedInPkg[name] {
			failed++
			r.Annotations = append(r.Annotations, Annotation{Level: LevelError, Title: name, Message: name + ": the package failed without a failing test\n" + strings.Join(tail(clean(p.output)), "\n")})
		}
	}
	result := "success"
	if failed > 0 {
		result = "failure"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### Integration tests: %d passed, %d failed, %d skipped\n\n", passed, failed, skipped)
	if len(order) > 0 {
		b.WriteString(table.String())
	}
	r.Summary = b.String()
	r.Outputs = []Output{
		{"result", result},
		{"passed", strconv.Itoa(passed)},
		{"failed", strconv.Itoa(failed)},
		{"skipped", strconv.Itoa(skipped)},
	}
	return r, nil
}

// message is a failed test's output without go test's framing lines.
func message(t *testResult) string {
	out := tail(clean(t.output))
	if len(out) == 0 {
		return t.pkg + ": " + t.name + " failed"
	}
	return strings.Join(out, "\n")
}

func clean(lines []string) []string {
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

func tail(lines []string) []string {
	if len(lines) > maxMessageLines {
		return append([]string{"…"}, lines[len(lines)-maxMessageLines:]...)
	}
	return lines
}
