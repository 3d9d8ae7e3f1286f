package gitlabci

import (
	"fmt"
	"strings"

	"github.com/gangway-dev/gangway/ci/modcheck"
)

// Call is one `dagger call` of a job's script: the constructor's flags,
// then each function of the chain with its flags. Values are as the shell
// sees them after quote removal ("$X" reads $X).
type Call struct {
	// Line is the script line it comes from (its index in Job.Scripts).
	Line  int
	Ctor  map[string]string
	Chain []Fn
	Words []string
}

// Fn is one function of a call's chain.
type Fn struct {
	Name  string
	Flags map[string]string
}

// boolFlags are the flags of the module and of dagger that take no value.
var boolFlags = map[string]bool{
	"skip-integration-tests": true, "no-lock": true, "json": true, "silent": true, "debug": true,
	"quiet": true, "interactive": true, "web": true, "no-mod": true, "allow-without-review": true,
}

// Fn returns the first function of the chain named name.
func (c Call) Fn(name string) (Fn, bool) {
	for _, f := range c.Chain {
		if f.Name == name {
			return f, true
		}
	}
	return Fn{}, false
}

// Calls returns every `dagger call` in j's scripts, in order.
func (j *Job) Calls() ([]Call, error) {
	var out []Call
	for i, line := range j.Scripts() {
		found, err := modcheck.ExtractCalls(j.Name, i+1, line)
		if err != nil {
			return nil, fmt.Errorf("job %s: %w", j.Name, err)
		}
		for _, c := range found {
			call, ok := parseCall(c.Words)
			if !ok {
				continue // dagger functions, dagger check, dagger version
			}
			call.Line = i
			out = append(out, call)
		}
	}
	return out, nil
}

// parseCall reads `dagger [global flags] call [ctor flags] fn [flags] fn …`;
// ok is false for any other dagger command.
func parseCall(words []string) (Call, bool) {
	c := Call{Ctor: map[string]string{}, Words: words}
	i := 1
	for i < len(words) && strings.HasPrefix(words[i], "-") {
		i = flag(words, i, map[string]string{})
	}
	if i >= len(words) || words[i] != "call" {
		return c, false
	}
	i++
	for i < len(words) && strings.HasPrefix(words[i], "-") {
		i = flag(words, i, c.Ctor)
	}
	for i < len(words) {
		fn := Fn{Name: words[i], Flags: map[string]string{}}
		i++
		for i < len(words) && strings.HasPrefix(words[i], "-") {
			i = flag(words, i, fn.Flags)
		}
		c.Chain = append(c.Chain, fn)
	}
	return c, true
}

// flag reads the flag at words[i] into into and returns the next index.
func flag(words []string, i int, into map[string]string) int {
	name, value, hasValue := strings.Cut(strings.TrimLeft(words[i], "-"), "=")
	i++
	switch {
	case hasValue:
	case boolFlags[name]:
		value = "true"
	case i < len(words):
		value = words[i]
		i++
	}
	into[name] = value
	return i
}
