package iampolicy

import (
	"fmt"
	"strconv"
	"strings"
)

// setOp is a condition operator's ForAllValues:/ForAnyValue: prefix.
type setOp int

const (
	single setOp = iota
	forAnyValue
	forAllValues
)

// operator is a parsed condition operator.
type operator struct {
	set      setOp
	base     string // e.g. "StringEquals" for "ForAnyValue:StringNotEqualsIfExists" → "StringNotEquals"
	ifExists bool
	negated  bool
	// match reports whether one request value satisfies one policy value
	// under the positive form of the operator (StringEquals for
	// StringNotEquals).
	match func(requestValue, policyValue string) bool
}

// positive forms; the negated ones map onto them.
var operators = map[string]struct {
	positive string
	negated  bool
}{
	"StringEquals":              {"StringEquals", false},
	"StringNotEquals":           {"StringEquals", true},
	"StringEqualsIgnoreCase":    {"StringEqualsIgnoreCase", false},
	"StringNotEqualsIgnoreCase": {"StringEqualsIgnoreCase", true},
	"StringLike":                {"StringLike", false},
	"StringNotLike":             {"StringLike", true},
	"ArnEquals":                 {"ArnLike", false}, // AWS: ArnEquals behaves as ArnLike.
	"ArnLike":                   {"ArnLike", false},
	"ArnNotEquals":              {"ArnLike", true},
	"ArnNotLike":                {"ArnLike", true},
	"NumericEquals":             {"NumericEquals", false},
	"NumericNotEquals":          {"NumericEquals", true},
	"NumericLessThan":           {"NumericLessThan", false},
	"NumericLessThanEquals":     {"NumericLessThanEquals", false},
	"NumericGreaterThan":        {"NumericGreaterThan", false},
	"NumericGreaterThanEquals":  {"NumericGreaterThanEquals", false},
	"Bool":                      {"Bool", false},
	"Null":                      {"Null", false},
}

func parseOperator(name string) (operator, error) {
	var op operator
	rest := name
	switch {
	case strings.HasPrefix(rest, "ForAnyValue:"):
		op.set, rest = forAnyValue, strings.TrimPrefix(rest, "ForAnyValue:")
	case strings.HasPrefix(rest, "ForAllValues:"):
		op.set, rest = forAllValues, strings.TrimPrefix(rest, "ForAllValues:")
	}
	if strings.HasSuffix(rest, "IfExists") {
		op.ifExists, rest = true, strings.TrimSuffix(rest, "IfExists")
	}
	known, ok := operators[rest]
	if !ok {
		return operator{}, fmt.Errorf("condition operator %q is not supported", name)
	}
	if rest == "Null" && (op.ifExists || op.set != single) {
		return operator{}, fmt.Errorf("condition operator %q is not valid", name)
	}
	op.base, op.negated = rest, known.negated
	switch known.positive {
	case "StringEquals":
		op.match = func(r, p string) bool { return r == p }
	case "StringEqualsIgnoreCase":
		op.match = strings.EqualFold
	case "StringLike":
		op.match = func(r, p string) bool { return globMatch(p, r, false) }
	case "ArnLike":
		op.match = func(r, p string) bool { return arnMatch(p, r) }
	case "Bool":
		op.match = strings.EqualFold
	case "Null":
		op.match = nil // decided in eval
	default: // Numeric*
		cmp := known.positive
		op.match = func(r, p string) bool {
			rv, err1 := strconv.ParseFloat(r, 64)
			pv, err2 := strconv.ParseFloat(p, 64)
			if err1 != nil || err2 != nil {
				return false
			}
			switch cmp {
			case "NumericEquals":
				return rv == pv
			case "NumericLessThan":
				return rv < pv
			case "NumericLessThanEquals":
				return rv <= pv
			case "NumericGreaterThan":
				return rv > pv
			default:
				return rv >= pv
			}
		}
	}
	return op, nil
}

// check validates the policy values for the operator.
func (op operator) check(values []string) error {
	if len(values) == 0 {
		return fmt.Errorf("no values")
	}
	for _, v := range values {
		switch {
		case op.base == "Null" || op.base == "Bool":
			if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
				return fmt.Errorf("value %q is not true or false", v)
			}
		case strings.HasPrefix(op.base, "Numeric"):
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				return fmt.Errorf("value %q is not a number", v)
			}
		}
	}
	return nil
}

// eval decides the condition against the request context (keys already
// lower-cased by the caller).
func (c Condition) eval(ctx map[string][]string) bool {
	got := ctx[strings.ToLower(c.Key)]
	present := len(got) > 0
	op := c.op

	if op.base == "Null" {
		// "true": the key must be absent; "false": present. Values OR-ed.
		for _, v := range c.Values {
			if strings.EqualFold(v, "true") != present {
				return true
			}
		}
		return false
	}

	// One request value against all policy values (OR), in the operator's
	// own sense (negated operators: it matches none of them).
	one := func(r string) bool {
		for _, p := range c.Values {
			if op.match(r, p) {
				return !op.negated
			}
		}
		return op.negated
	}

	switch op.set {
	case forAllValues:
		// Every request value must satisfy it; vacuously true when the
		// key is missing or empty.
		for _, r := range got {
			if !one(r) {
				return false
			}
		}
		return true
	case forAnyValue:
		if !present {
			return op.ifExists
		}
		for _, r := range got {
			if one(r) {
				return true
			}
		}
		return false
	default:
		if !present {
			// Missing key: false, except for IfExists and for the negated
			// operators (AWS: "the condition returns true").
			return op.ifExists || op.negated
		}
		// Several request values without a set operator: true when any
		// of them matches (negated: when none does).
		positive := false
		for _, r := range got {
			for _, p := range c.Values {
				if op.match(r, p) {
					positive = true
				}
			}
		}
		return positive != op.negated
	}
}
