package modcheck

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Problem is one thing the engine would refuse, or that would mislead a
// user of `dagger functions` and `dagger call`.
type Problem struct {
	Where string
	What  string
}

func (p Problem) String() string { return p.Where + ": " + p.What }

// Pragma keys the v0.21 Go SDK codegen reads, by place.
var (
	functionPragmas = map[string]bool{"cache": true, "check": true, "generate": true, "up": true, "deprecated": true}
	argPragmas      = map[string]bool{"optional": true, "default": true, "defaultPath": true, "defaultAddress": true, "ignore": true, "deprecated": true}
	fieldPragmas    = map[string]bool{"private": true, "deprecated": true}
)

// reservedArgNames collide with flags of `dagger call` itself or with the
// CLI's global flags, which are parsed from the whole command line.
var reservedArgNames = map[string]bool{
	"output": true, "o": true, "json": true, "j": true, "progress": true, "debug": true, "verbose": true,
	"v": true, "quiet": true, "q": true, "silent": true, "s": true, "interactive": true, "i": true, "web": true,
	"w": true, "mod": true, "m": true, "help": true, "h": true,
}

// digitSplit finds a CLI name where strcase cut a number off a word
// (planSha256 becomes plan-sha-256): valid, but nobody types it right.
var digitSplit = regexp.MustCompile(`[a-z]-[0-9]`)

// Lint checks every function, argument, field and pragma of m against the
// rules of the v0.21 Go SDK codegen and engine, and against the project's
// own: every function and argument has a one-line description.
func Lint(m *Module) []Problem {
	var ps []Problem
	add := func(where, format string, args ...any) {
		ps = append(ps, Problem{Where: where, What: fmt.Sprintf(format, args...)})
	}
	if m.Constructor != nil {
		lintFunction(m.Main+".New", m.Constructor, add)
		for _, a := range m.Constructor.Args {
			if !a.Optional() {
				add(m.Main+".New("+a.GoName+")", "constructor arguments must be optional: `dagger check` and `dagger functions` build the module with none")
			}
		}
	}
	for _, oname := range sortedKeys(m.Objects) {
		o := m.Objects[oname]
		if o.Doc == "" {
			add(oname, "the object has no doc comment (it becomes its description)")
		}
		for _, fname := range sortedKeys(o.Functions) {
			fn := o.Functions[fname]
			where := oname + "." + fn.GoName
			if graphQLName(fn.GoName) == "id" {
				add(where, "the name %q is reserved by the engine (every object has an id)", fn.GoName)
			}
			lintFunction(where, fn, add)
		}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].String() < ps[j].String() })
	return ps
}

func lintFunction(where string, fn *Function, add func(string, string, ...any)) {
	for _, p := range fn.problems {
		add(where, "%s", p)
	}
	if fn.Doc == "" {
		add(where, "no description: give it a doc comment (dagger functions shows it)")
	} else if strings.Contains(fn.Doc, "\n") && !fn.IsField && fn.GoName != "New" {
		add(where, "the description must be one line: %q", fn.Doc)
	}
	allowed := functionPragmas
	if fn.IsField {
		allowed = fieldPragmas
	}
	for k, v := range fn.Pragmas {
		if !allowed[k] {
			add(where, "unknown pragma +%s (known here: %s)", k, keys(allowed))
			continue
		}
		switch k {
		case "cache":
			if err := checkCache(v); err != nil {
				add(where, "+cache=%v: %v", v, err)
			}
		case "check", "generate", "up", "private":
			if _, ok := v.(bool); v != nil && !ok {
				add(where, "+%s takes no value or a boolean, not %v", k, v)
			}
		}
	}
	if fn.Returns.Kind == KindInvalid {
		add(where, "returns %s: %s", fn.Returns.Name, fn.Returns.Why)
	}
	if _, check := fn.Pragmas["check"]; check {
		for _, a := range fn.Args {
			if !a.Optional() {
				add(where, "a +check function with the required argument %s never runs: dagger check skips it", a.GoName)
			}
		}
	}
	seen := map[string]bool{}
	for _, a := range fn.Args {
		aw := where + "(" + a.GoName + ")"
		if seen[a.CLIName] {
			add(aw, "two arguments share the CLI name --%s", a.CLIName)
		}
		seen[a.CLIName] = true
		if a.Type.Kind == KindInvalid {
			add(aw, "type %s: %s", a.Type.Name, a.Type.Why)
		}
		if graphQLName(a.GoName) == "id" {
			add(aw, "the name %q is reserved by the engine", a.GoName)
		}
		if digitSplit.MatchString(a.CLIName) {
			add(aw, "the CLI spells it --%s (the engine splits digits off a word): rename it so the flag reads as written", a.CLIName)
		}
		if reservedArgNames[a.CLIName] {
			add(aw, "--%s collides with a flag of the dagger CLI itself", a.CLIName)
		}
		if a.Doc == "" {
			add(aw, "no description: put a doc comment above the argument (dagger call --help shows it)")
		}
		lintArgPragmas(aw, a, add)
	}
}

func lintArgPragmas(where string, a *Arg, add func(string, string, ...any)) {
	defaults := 0
	for k, v := range a.Pragmas {
		if !argPragmas[k] {
			add(where, "unknown pragma +%s (known here: %s)", k, keys(argPragmas))
			continue
		}
		switch k {
		case "optional":
			if _, ok := v.(bool); v != nil && !ok {
				add(where, "+optional takes no value or a boolean, not %v", v)
			}
		case "default":
			defaults++
			if err := checkDefault(a.Type, v); err != nil {
				add(where, "+default=%v: %v", v, err)
			}
		case "defaultPath":
			defaults++
			if s, ok := v.(string); !ok || s == "" {
				add(where, "+defaultPath needs a path string, not %v", v)
			}
			if a.Type.Kind != KindCore || (a.Type.Name != "Directory" && a.Type.Name != "File" && a.Type.Name != "GitRepository" && a.Type.Name != "GitRef") {
				add(where, "+defaultPath applies only to a Directory, File, GitRepository or GitRef argument, not %s", a.Type)
			}
		case "defaultAddress":
			defaults++
			if a.Type.Kind != KindCore || a.Type.Name != "Container" {
				add(where, "+defaultAddress applies only to a Container argument, not %s", a.Type)
			}
		case "ignore":
			list, ok := v.([]any)
			if !ok {
				add(where, "+ignore takes a JSON array of strings, not %v", v)
				break
			}
			for _, item := range list {
				if _, ok := item.(string); !ok {
					add(where, "+ignore holds %v, not a string", item)
				}
			}
			if a.Type.Kind != KindCore || a.Type.Name != "Directory" {
				add(where, "+ignore applies only to a Directory argument, not %s", a.Type)
			}
		case "deprecated":
			if !a.Optional() {
				add(where, "+deprecated is allowed only on an optional argument")
			}
		}
	}
	if defaults > 1 {
		add(where, "at most one of +default, +defaultPath and +defaultAddress")
	}
}

// checkCache holds +cache to what the engine accepts: "never", "session",
// or a duration from 1s to 168h.
func checkCache(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf(`want "never", "session" or a duration`)
	}
	switch s {
	case "never", "session":
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf(`want "never", "session" or a duration: %w`, err)
	}
	if d != 0 && (d < time.Second || d > 168*time.Hour) {
		return fmt.Errorf("a cache duration must be between 1s and 168h")
	}
	return nil
}

// checkDefault holds a default value to its argument's type.
func checkDefault(t TypeRef, v any) error {
	switch {
	case t.Kind == KindScalar && (t.Name == "string" || t.Name == "Platform"):
		if _, ok := v.(string); !ok {
			return fmt.Errorf("a string argument needs a quoted JSON string")
		}
	case t.Kind == KindScalar && t.Name == "bool":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("a bool argument needs true or false")
		}
	case t.Kind == KindScalar && (strings.HasPrefix(t.Name, "int") || strings.HasPrefix(t.Name, "float")):
		if _, ok := v.(float64); !ok {
			return fmt.Errorf("a number argument needs a JSON number")
		}
	case t.Kind == KindList:
		if _, ok := v.([]any); !ok {
			return fmt.Errorf("a list argument needs a JSON array")
		}
	case t.Kind == KindCore || t.Kind == KindObject:
		return fmt.Errorf("an object argument has no +default (use +defaultPath or +optional)")
	}
	return nil
}

func keys(m map[string]bool) string {
	var ks []string
	for k := range m {
		ks = append(ks, "+"+k)
	}
	sort.Strings(ks)
	return strings.Join(ks, " ")
}

// Table is the module's functions as `dagger call` sees them, for the call
// check and for a reader: object → function → arguments.
func (m *Module) Table() string {
	var b strings.Builder
	if m.Constructor != nil {
		fmt.Fprintf(&b, "dagger call")
		for _, a := range m.Constructor.Args {
			fmt.Fprintf(&b, " [--%s %s]", a.CLIName, a.Type)
		}
		b.WriteString("\n")
	}
	for _, oname := range sortedKeys(m.Objects) {
		fmt.Fprintf(&b, "%s\n", oname)
		o := m.Objects[oname]
		for _, fname := range sortedKeys(o.Functions) {
			fn := o.Functions[fname]
			fmt.Fprintf(&b, "  %s", fn.CLIName)
			for _, a := range fn.Args {
				if a.Optional() {
					fmt.Fprintf(&b, " [--%s %s]", a.CLIName, a.Type)
				} else {
					fmt.Fprintf(&b, " --%s %s", a.CLIName, a.Type)
				}
			}
			fmt.Fprintf(&b, " -> %s\n", fn.Returns)
		}
	}
	return b.String()
}
