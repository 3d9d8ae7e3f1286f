package gha

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gangway-dev/gangway/ci/testjson"
)

// TestsReport builds the report of `go test -json` output; see ForTests.
func TestsReport(rd io.Reader) (Report, error) {
	r, err := testjson.Read(rd)
	if err != nil {
		return Report{}, err
	}
	if len(r.Packages) == 0 {
		return Report{}, fmt.Errorf("no go test -json events in the input")
	}
	return ForTests(r), nil
}

// ForTests builds the report of an integration suite's run: counts over
// leaf tests, a table of tests, and one error annotation per failure (a
// failed or unfinished leaf test, or a package that failed without one,
// such as a suite that does not compile, with the compiler's output).
func ForTests(r *testjson.Report) Report {
	passed, failed, skipped := r.Counts()
	var out Report
	var b strings.Builder
	fmt.Fprintf(&b, "### Integration tests: %d passed, %d failed, %d skipped\n\n", passed, failed, skipped)
	if len(r.Tests) > 0 {
		b.WriteString("| test | result | time |\n| --- | --- | --- |\n")
		for _, t := range r.Tests {
			res := t.Result
			switch t.Result {
			case testjson.Fail:
				res = "**FAIL**"
			case testjson.Unfinished:
				res = "**did not finish**"
			}
			fmt.Fprintf(&b, "| %s | %s | %.2fs |\n", code(t.Name), res, t.Seconds)
		}
	}
	for _, f := range r.Failures() {
		lines := testjson.Excerpt(testjson.Clean(f.Output))
		msg := strings.Join(lines, "\n")
		switch {
		case f.Test == "":
			msg = f.Package + ": the package failed without a failing test (a build error, a panic or a timeout)\n" + msg
			fmt.Fprintf(&b, "\n**%s failed:**\n\n```\n%s\n```\n", mdCell(f.Package), strings.ReplaceAll(strings.Join(lines, "\n"), "```", "'''"))
		case f.Result == testjson.Unfinished:
			msg = f.Package + ": the test did not finish (timeout or crash)\n" + msg
		case len(lines) == 0:
			msg = f.Package + ": " + f.Test + " failed"
		}
		out.Annotations = append(out.Annotations, Annotation{Level: LevelError, Title: f.Title(), Message: strings.TrimSpace(msg)})
	}
	result := "success"
	if !r.OK() {
		result = "failure"
	}
	out.Summary = b.String()
	out.Outputs = []Output{
		{"result", result},
		{"passed", strconv.Itoa(passed)},
		{"failed", strconv.Itoa(failed)},
		{"skipped", strconv.Itoa(skipped)},
	}
	return out
}
