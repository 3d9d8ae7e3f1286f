package iampolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Effect is a statement's Effect: Allow or Deny.
type Effect string

// The two effects.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Policy is a parsed policy document.
type Policy struct {
	// Name labels the policy in results (for example the role and policy
	// name); it is not part of the document and Parse leaves it empty.
	Name       string
	Version    string
	ID         string
	Statements []Statement
}

// Statement is one statement of a policy. Of Action and NotAction exactly
// one is non-nil; of Resource and NotResource at most one (neither, in a
// role's trust policy); of Principal and NotPrincipal at most one.
type Statement struct {
	Sid          string
	Effect       Effect
	Principal    *Principals
	NotPrincipal *Principals
	Action       []string
	NotAction    []string
	Resource     []string
	NotResource  []string
	Conditions   []Condition
}

// Principals is a Principal or NotPrincipal element.
type Principals struct {
	// Any is true for "*" and for {"AWS": "*"}: everyone.
	Any bool
	// IDs holds the named principals by type ("AWS", "Federated",
	// "Service", "CanonicalUser").
	IDs map[string][]string
}

// Condition is one key of one operator of a Condition element.
type Condition struct {
	// Operator as written, for example "ForAnyValue:StringEqualsIfExists".
	Operator string
	Key      string
	Values   []string
	op       operator
}

// Parse parses a policy document. It refuses what AWS refuses (unknown
// elements, a statement without an effect or an action) and what this
// package does not evaluate (policy variables, unsupported operators),
// so that nothing is silently evaluated wrong.
func Parse(doc []byte) (*Policy, error) {
	var raw map[string]json.RawMessage
	if err := decodeStrict(doc, &raw); err != nil {
		return nil, fmt.Errorf("parsing policy: %w", err)
	}
	p := &Policy{}
	for k, v := range raw {
		var err error
		switch k {
		case "Version":
			err = json.Unmarshal(v, &p.Version)
			if err == nil && p.Version != "2012-10-17" && p.Version != "2008-10-17" {
				err = fmt.Errorf("unknown version %q", p.Version)
			}
		case "Id":
			err = json.Unmarshal(v, &p.ID)
		case "Statement":
			p.Statements, err = parseStatements(v)
		default:
			err = fmt.Errorf("unknown element %q", k)
		}
		if err != nil {
			return nil, fmt.Errorf("parsing policy: %s: %w", k, err)
		}
	}
	if raw["Statement"] == nil {
		return nil, errors.New("parsing policy: no Statement")
	}
	return p, nil
}

// MustParse is Parse for documents known to be valid (tests, examples);
// it panics on an error.
func MustParse(doc string) *Policy {
	p, err := Parse([]byte(doc))
	if err != nil {
		panic(err)
	}
	return p
}

func decodeStrict(doc []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after the document")
	}
	return nil
}

func parseStatements(data json.RawMessage) ([]Statement, error) {
	var list []json.RawMessage
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		list = []json.RawMessage{data}
	} else if err := json.Unmarshal(data, &list); err != nil {
		return nil, errors.New("must be an object or a list of objects")
	}
	out := make([]Statement, 0, len(list))
	for i, d := range list {
		s, err := parseStatement(d)
		if err != nil {
			return nil, fmt.Errorf("statement %d: %w", i, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func parseStatement(data json.RawMessage) (Statement, error) {
	var raw map[string]json.RawMessage
	if err := decodeStrict(data, &raw); err != nil {
		return Statement{}, err
	}
	var s Statement
	for k, v := range raw {
		var err error
		switch k {
		case "Sid":
			err = json.Unmarshal(v, &s.Sid)
		case "Effect":
			err = json.Unmarshal(v, &s.Effect)
			if err == nil && s.Effect != Allow && s.Effect != Deny {
				err = fmt.Errorf("must be Allow or Deny, not %q", s.Effect)
			}
		case "Principal":
			s.Principal, err = parsePrincipals(v)
		case "NotPrincipal":
			s.NotPrincipal, err = parsePrincipals(v)
		case "Action":
			s.Action, err = stringOrList(v)
		case "NotAction":
			s.NotAction, err = stringOrList(v)
		case "Resource":
			s.Resource, err = stringOrList(v)
		case "NotResource":
			s.NotResource, err = stringOrList(v)
		case "Condition":
			s.Conditions, err = parseConditions(v)
		default:
			err = errors.New("unknown element")
		}
		if err != nil {
			return Statement{}, fmt.Errorf("%s: %w", k, err)
		}
	}
	switch {
	case s.Effect == "":
		return Statement{}, errors.New("no Effect")
	case (s.Action == nil) == (s.NotAction == nil):
		return Statement{}, errors.New("needs exactly one of Action and NotAction")
	case s.Resource != nil && s.NotResource != nil:
		return Statement{}, errors.New("has both Resource and NotResource")
	case s.Principal != nil && s.NotPrincipal != nil:
		return Statement{}, errors.New("has both Principal and NotPrincipal")
	}
	for _, r := range append(append([]string{}, s.Resource...), s.NotResource...) {
		if strings.Contains(r, "${") {
			return Statement{}, fmt.Errorf("resource %q: policy variables are not supported", r)
		}
	}
	return s, nil
}

// stringOrList decodes a string or a list of strings; it never returns
// nil without an error.
func stringOrList(data json.RawMessage) ([]string, error) {
	var one string
	if err := json.Unmarshal(data, &one); err == nil {
		return []string{one}, nil
	}
	var list []string
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, errors.New("must be a string or a list of strings")
	}
	if list == nil {
		list = []string{}
	}
	return list, nil
}

func parsePrincipals(data json.RawMessage) (*Principals, error) {
	var star string
	if err := json.Unmarshal(data, &star); err == nil {
		if star != "*" {
			return nil, fmt.Errorf("a string principal must be \"*\", not %q", star)
		}
		return &Principals{Any: true}, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, errors.New("must be \"*\" or an object")
	}
	p := &Principals{IDs: map[string][]string{}}
	for typ, v := range raw {
		switch typ {
		case "AWS", "Federated", "Service", "CanonicalUser":
		default:
			return nil, fmt.Errorf("unknown principal type %q", typ)
		}
		ids, err := stringOrList(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", typ, err)
		}
		for _, id := range ids {
			if id == "*" && typ == "AWS" {
				p.Any = true
			}
		}
		p.IDs[typ] = ids
	}
	return p, nil
}

func parseConditions(data json.RawMessage) ([]Condition, error) {
	var raw map[string]map[string]json.RawMessage
	if err := decodeStrict(data, &raw); err != nil {
		return nil, errors.New("must map operators to objects of keys and values")
	}
	var out []Condition
	for opName, keys := range raw {
		op, err := parseOperator(opName)
		if err != nil {
			return nil, err
		}
		for key, v := range keys {
			values, err := conditionValues(v)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", opName, key, err)
			}
			if err := op.check(values); err != nil {
				return nil, fmt.Errorf("%s %s: %w", opName, key, err)
			}
			out = append(out, Condition{Operator: opName, Key: key, Values: values, op: op})
		}
	}
	// Map order is random; a stable order keeps results reproducible.
	sort.Slice(out, func(i, j int) bool {
		if out[i].Operator != out[j].Operator {
			return out[i].Operator < out[j].Operator
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

// conditionValues decodes a condition value: a string, number or boolean,
// or a list of them, as strings (numbers keep their written form).
func conditionValues(data json.RawMessage) ([]string, error) {
	var one any
	if err := decodeStrict(data, &one); err != nil {
		return nil, err
	}
	list, ok := one.([]any)
	if !ok {
		list = []any{one}
	}
	out := make([]string, 0, len(list))
	for _, v := range list {
		switch v := v.(type) {
		case string:
			if strings.Contains(v, "${") {
				return nil, fmt.Errorf("value %q: policy variables are not supported", v)
			}
			out = append(out, v)
		case json.Number:
			out = append(out, v.String())
		case bool:
			out = append(out, fmt.Sprint(v))
		default:
			return nil, fmt.Errorf("value %v is not a string, number or boolean", v)
		}
	}
	return out, nil
}
