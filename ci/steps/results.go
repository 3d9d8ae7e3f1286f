package steps

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Outputs are an environment's terraform outputs, as `pipeline outputs`
// prints them.
type Outputs map[string]string

// ParseOutputs reads `pipeline outputs` JSON. It accepts a flat object of
// strings ({"app_url": "…"}) and terraform's own shape
// ({"app_url": {"value": "…"}}), optionally under an "outputs" key.
func ParseOutputs(data []byte) (Outputs, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("reading terraform outputs: %w", err)
	}
	if inner, ok := raw["outputs"]; ok {
		var nested map[string]json.RawMessage
		if err := json.Unmarshal(inner, &nested); err == nil {
			raw = nested
		}
	}
	out := Outputs{}
	for k, v := range raw {
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			out[k] = s
			continue
		}
		var wrapped struct {
			Value json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(v, &wrapped); err == nil && wrapped.Value != nil {
			if err := json.Unmarshal(wrapped.Value, &s); err == nil {
				out[k] = s
			}
		}
	}
	return out, nil
}

// Require returns the named outputs' values, or an error naming every
// missing one (an environment that was never applied has none).
func (o Outputs) Require(names ...string) ([]string, error) {
	var missing []string
	vals := make([]string, len(names))
	for i, n := range names {
		vals[i] = o[n]
		if vals[i] == "" {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("terraform outputs %s are missing: apply the environment first", strings.Join(missing, ", "))
	}
	return vals, nil
}

// TestReport summarises a `go test -json` stream.
type TestReport struct {
	Passed []string // tests that passed, in order of completion
	Failed []string // tests (or the package, when it failed outside a test) that failed
	Output map[string]string
	Ran    bool // at least one test ran
}

// OK reports whether the suite ran and nothing failed.
func (r TestReport) OK() bool { return r.Ran && len(r.Failed) == 0 }

// Error describes the failures, or is nil when OK.
func (r TestReport) Error() error {
	if r.OK() {
		return nil
	}
	if !r.Ran && len(r.Failed) == 0 {
		return fmt.Errorf("integration suite ran no test: the report is empty")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "integration tests failed: %s", strings.Join(r.Failed, ", "))
	for _, name := range r.Failed {
		if out := strings.TrimSpace(r.Output[name]); out != "" {
			fmt.Fprintf(&b, "\n--- %s\n%s", name, out)
		}
	}
	return fmt.Errorf("%s", b.String())
}

// ParseTestJSON reads the events of `go test -json` (test2json). Lines that
// are not JSON (a build error printed by go) are kept as the package's output
// and mark the run failed when no pass event follows.
func ParseTestJSON(data []byte) TestReport {
	r := TestReport{Output: map[string]string{}}
	pkgResult := ""
	var stray strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	for sc.Scan() {
		line := sc.Bytes()
		var ev struct {
			Action string
			Test   string
			Output string
		}
		if err := json.Unmarshal(line, &ev); err != nil {
			stray.Write(line)
			stray.WriteByte('\n')
			continue
		}
		key := ev.Test
		if key == "" {
			key = "(package)"
		}
		switch ev.Action {
		case "output":
			r.Output[key] += ev.Output
		case "pass":
			if ev.Test != "" {
				r.Passed = append(r.Passed, ev.Test)
				r.Ran = true
			} else {
				pkgResult = "pass"
			}
		case "fail":
			if ev.Test != "" {
				r.Failed = append(r.Failed, ev.Test)
				r.Ran = true
			} else {
				pkgResult = "fail"
			}
		}
	}
	if stray.Len() > 0 {
		r.Output["(package)"] += stray.String()
	}
	// A package that failed with no failing test (build error, panic, timeout
	// before any test ended) or that never reported a result is a failure.
	if (pkgResult == "fail" && len(r.Failed) == 0) || pkgResult == "" {
		r.Failed = append(r.Failed, "(package)")
	}
	sort.Strings(r.Failed)
	return r
}

// LastLines returns the last n lines of s, trimmed, marking a cut with "…":
// the end of a failed step's stderr is where the CLI says what went wrong.
func LastLines(s string, n int) string {
	s = strings.TrimSpace(s)
	lines := strings.Split(s, "\n")
	if len(lines) <= n {
		return s
	}
	return "…\n" + strings.Join(lines[len(lines)-n:], "\n")
}
