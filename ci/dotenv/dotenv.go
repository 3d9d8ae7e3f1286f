package dotenv

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/gangway-dev/gangway/ci/gha"
)

// prefix starts every variable name, so that a report never overrides one
// of GitLab's own variables (CI_…) or one the pipeline sets.
const prefix = "GANGWAY_"

// GitLab's limits on one dotenv report: its size in bytes, and the number of
// variables on the plans with the smallest allowance.
const (
	maxBytes     = 5120
	maxVariables = 20
)

var nameRE = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)

// Name is the variable an output becomes: prefix and the name upper-cased.
func Name(output string) string { return prefix + strings.ToUpper(output) }

// Render writes outs as a dotenv report, one GANGWAY_<NAME>=value line each,
// in order. It refuses a name GitLab would not accept, a value it would
// change (a line break, surrounding blanks or quotes), a name given twice,
// and a report over GitLab's limits.
func Render(outs []gha.Output) ([]byte, error) {
	if len(outs) > maxVariables {
		return nil, fmt.Errorf("dotenv report: %d variables, GitLab accepts %d", len(outs), maxVariables)
	}
	var b bytes.Buffer
	seen := map[string]bool{}
	for _, o := range outs {
		name := Name(o.Name)
		if !nameRE.MatchString(name) {
			return nil, fmt.Errorf("dotenv report: %q is not a variable name GitLab accepts (ASCII letters, digits, _)", name)
		}
		if seen[name] {
			return nil, fmt.Errorf("dotenv report: %s given twice", name)
		}
		seen[name] = true
		if err := checkValue(o.Value); err != nil {
			return nil, fmt.Errorf("dotenv report: %s: %w", name, err)
		}
		fmt.Fprintf(&b, "%s=%s\n", name, o.Value)
	}
	if b.Len() > maxBytes {
		return nil, fmt.Errorf("dotenv report: %d bytes, GitLab accepts %d", b.Len(), maxBytes)
	}
	return b.Bytes(), nil
}

// checkValue refuses a value GitLab would not pass on exactly as written.
func checkValue(v string) error {
	switch {
	case strings.ContainsAny(v, "\n\r\x00"):
		return fmt.Errorf("value %q spans lines; a dotenv value is one line", v)
	case strings.TrimSpace(v) != v:
		return fmt.Errorf("value %q has surrounding blanks, which GitLab strips", v)
	case len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0]:
		return fmt.Errorf("value %q is quoted; GitLab keeps the quotes", v)
	}
	return nil
}
