package modcheck

import (
	"fmt"
	"regexp"
	"strings"
)

// Call is one `dagger …` command found in a script or a document.
type Call struct {
	// Where names the file and line (or job and step) it comes from.
	Where string
	Words []string
}

func (c Call) String() string { return c.Where + ": " + strings.Join(c.Words, " ") }

// globalFlags are the dagger CLI's own flags, which it accepts anywhere;
// the ones listed with true take a value.
var globalFlags = map[string]bool{
	"--progress": true, "-m": true, "--mod": true, "--workdir": true,
	"--silent": false, "-s": false, "--debug": false, "-d": false, "--verbose": false, "-v": false,
	"-vv": false, "-vvv": false, "--quiet": false, "-q": false, "--interactive": false, "-i": false,
	"--web": false, "-w": false, "--no-mod": false, "-M": false,
}

// callFlags are `dagger call`'s own flags.
var callFlags = map[string]bool{"-o": true, "--output": true, "--json": false, "-j": false}

// secretSchemes are the providers a Secret argument's value may name.
var secretSchemes = []string{"env://", "file://", "cmd://", "op://", "vault://", "libsecret://", "gcp://", "aws+sm://", "aws+ps://"}

// CheckCall resolves one call against the module and the core API: every
// function, field and flag must exist where the chain reaches it, every
// required argument must be given, and the chain must end at something
// printable or exportable (a scalar, void, or a core object), not at one of
// the module's objects, which prints only its ID.
func CheckCall(m *Module, core map[string]*Object, c Call) error {
	words := c.Words
	if len(words) == 0 || words[0] != "dagger" {
		return fmt.Errorf("%s: not a dagger command", c)
	}
	i := 1
	skipGlobal := func() {
		for i < len(words) {
			name, _, hasValue := strings.Cut(words[i], "=")
			takes, ok := globalFlags[name]
			if !ok {
				return
			}
			i++
			if takes && !hasValue {
				i++
			}
		}
	}
	skipGlobal()
	if i >= len(words) {
		return fmt.Errorf("%s: no subcommand", c)
	}
	verb := words[i]
	i++
	switch verb {
	case "functions", "version", "develop", "init", "login":
		return nil
	case "check":
		for ; i < len(words); i++ {
			if strings.HasPrefix(words[i], "-") {
				continue
			}
			if !isCheck(m, words[i]) {
				return fmt.Errorf("%s: dagger check %s: no +check function of that name (checks: %s)", c, words[i], strings.Join(checkNames(m), ", "))
			}
		}
		return nil
	case "call":
	default:
		return fmt.Errorf("%s: unknown dagger subcommand %q", c, verb)
	}
	// The constructor's flags come before the first function.
	var ctorArgs []*Arg
	if m.Constructor != nil {
		ctorArgs = m.Constructor.Args
	}
	var err error
	if i, err = consumeFlags(c, words, i, "the constructor", ctorArgs, true); err != nil {
		return err
	}
	cur := TypeRef{Kind: KindObject, Name: m.Main}
	for i < len(words) {
		w := words[i]
		if strings.HasPrefix(w, "-") {
			return fmt.Errorf("%s: flag %s where a function name was expected", c, w)
		}
		var obj *Object
		switch cur.Kind {
		case KindObject:
			obj = m.Objects[cur.Name]
		case KindCore:
			obj = core[cur.Name]
		default:
			return fmt.Errorf("%s: %s returns %s, which has no function %q", c, words[i-1], cur, w)
		}
		if obj == nil {
			return fmt.Errorf("%s: no type %s", c, cur.Name)
		}
		fn, ok := obj.Functions[w]
		if !ok {
			return fmt.Errorf("%s: %s has no function or field %q (it has: %s)", c, obj.Name, w, strings.Join(sortedKeys(obj.Functions), ", "))
		}
		if i, err = consumeFlags(c, words, i+1, w, fn.Args, false); err != nil {
			return err
		}
		cur = fn.Returns
	}
	if cur.Kind == KindObject {
		return fmt.Errorf("%s: the chain ends at %s, which prints only its ID: go on to one of its fields or functions (%s)", c, cur.Name, strings.Join(sortedKeys(m.Objects[cur.Name].Functions), ", "))
	}
	return nil
}

// consumeFlags reads the flags of one function from words[i:], checking
// them against args, and returns where the next function name starts.
func consumeFlags(c Call, words []string, i int, fn string, args []*Arg, constructor bool) (int, error) {
	given := map[string]bool{}
	byName := map[string]*Arg{}
	for _, a := range args {
		byName[a.CLIName] = a
	}
	for i < len(words) && strings.HasPrefix(words[i], "-") {
		name, value, hasValue := strings.Cut(words[i], "=")
		i++
		if takes, ok := globalFlags[name]; ok {
			if takes && !hasValue {
				i++
			}
			continue
		}
		if takes, ok := callFlags[name]; ok {
			if takes && !hasValue {
				i++
			}
			continue
		}
		a, ok := byName[strings.TrimPrefix(name, "--")]
		if !ok || !strings.HasPrefix(name, "--") {
			return i, fmt.Errorf("%s: %s has no flag %s (flags: %s)", c, fn, name, flagList(args))
		}
		given[a.CLIName] = true
		if a.Type.Kind == KindScalar && a.Type.Name == "bool" {
			if hasValue && value != "true" && value != "false" && !strings.HasPrefix(value, "$") {
				return i, fmt.Errorf("%s: %s %s: a boolean flag takes true or false", c, fn, name)
			}
			continue // a bare boolean flag takes no value
		}
		if !hasValue {
			if i >= len(words) {
				return i, fmt.Errorf("%s: %s %s needs a value", c, fn, name)
			}
			value = words[i]
			i++
		}
		if a.Type.Kind == KindCore && a.Type.Name == "Secret" && !hasSecretScheme(value) {
			return i, fmt.Errorf("%s: %s %s %q: a secret is given as env://NAME, file://PATH or cmd://COMMAND, never as its value", c, fn, name, value)
		}
	}
	for _, a := range args {
		if !a.Optional() && !given[a.CLIName] && !constructor {
			return i, fmt.Errorf("%s: %s needs --%s", c, fn, a.CLIName)
		}
	}
	return i, nil
}

func hasSecretScheme(v string) bool {
	if strings.HasPrefix(v, "$") || strings.HasPrefix(v, "\"$") {
		return false
	}
	for _, s := range secretSchemes {
		if strings.HasPrefix(v, s) {
			return true
		}
	}
	return false
}

func flagList(args []*Arg) string {
	var names []string
	for _, a := range args {
		names = append(names, "--"+a.CLIName)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, " ")
}

func checkNames(m *Module) []string {
	var names []string
	for _, name := range sortedKeys(m.Objects[m.Main].Functions) {
		if _, ok := m.Objects[m.Main].Functions[name].Pragmas["check"]; ok {
			names = append(names, name)
		}
	}
	return names
}

func isCheck(m *Module, name string) bool {
	for _, n := range checkNames(m) {
		if n == name {
			return true
		}
	}
	return false
}

// ExtractCalls finds every `dagger` command in a shell script (a workflow
// step's run:, a fenced block of a document): lines joined where they end
// in a backslash, words split as the shell does (quotes kept together),
// simple NAME="words" assignments expanded where $NAME is used unquoted,
// array expansions "${NAME[@]}" (optional words) left out,
// and each command cut at a pipe, a redirection or a command separator.
// Where names file:line, counting the script's lines from firstLine.
func ExtractCalls(file string, firstLine int, script string) ([]Call, error) {
	var calls []Call
	vars := map[string][]string{}
	lines := strings.Split(strings.ReplaceAll(script, "\r\n", "\n"), "\n")
	for n := 0; n < len(lines); n++ {
		start := n
		line := lines[n]
		for strings.HasSuffix(strings.TrimRight(line, " \t"), "\\") && n+1 < len(lines) {
			line = strings.TrimSuffix(strings.TrimRight(line, " \t"), "\\") + " " + lines[n+1]
			n++
		}
		// A quoted assignment may span lines.
		for strings.Count(line, `"`)%2 == 1 && n+1 < len(lines) {
			line += "\n" + lines[n+1]
			n++
		}
		words, err := shellWords(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, firstLine+start, err)
		}
		if len(words) == 1 {
			if m := assignRE.FindStringSubmatch(words[0].text); m != nil && words[0].quotedValue {
				vars[m[1]] = strings.Fields(m[2])
				continue
			}
		}
		var cmd []string
		flush := func() {
			if len(cmd) > 0 && cmd[0] == "dagger" {
				calls = append(calls, Call{Where: fmt.Sprintf("%s:%d", file, firstLine+start), Words: cmd})
			}
			cmd = nil
		}
		for _, w := range words {
			switch {
			case w.operator:
				flush()
				if w.text == ">" || w.text == ">>" || w.text == "2>" || w.text == "<" {
					cmd = []string{"<redirect>"}
				}
			case !w.quoted && strings.HasPrefix(w.text, "$") && vars[strings.Trim(w.text, "${}")] != nil:
				cmd = append(cmd, vars[strings.Trim(w.text, "${}")]...)
			case arrayExpansionRE.MatchString(w.text):
				// "${opt[@]}": optional words set by the script's own
				// condition; the call must resolve without them.
			default:
				cmd = append(cmd, w.text)
			}
		}
		flush()
	}
	return calls, nil
}

var (
	assignRE         = regexp.MustCompile(`(?s)^([A-Za-z_][A-Za-z0-9_]*)=(.*)$`)
	arrayExpansionRE = regexp.MustCompile(`^\$\{[A-Za-z_][A-Za-z0-9_]*\[@\]\}$`)
)

type word struct {
	text        string
	quoted      bool // the word was (partly) quoted
	quotedValue bool // NAME="…": an assignment with a quoted value
	operator    bool // | || && ; & > >> 2> <
}

// shellWords splits a line as a POSIX shell does, for the cases scripts
// here use: quotes, backslash escapes, comments, and operators.
func shellWords(line string) ([]word, error) {
	var words []word
	var cur strings.Builder
	in := false
	quoted, assignQuoted := false, false
	emit := func() {
		if in {
			words = append(words, word{text: cur.String(), quoted: quoted, quotedValue: assignQuoted})
		}
		cur.Reset()
		in, quoted, assignQuoted = false, false, false
	}
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case ch == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated single quote")
			}
			if strings.HasSuffix(cur.String(), "=") {
				assignQuoted = true
			}
			cur.WriteString(line[i+1 : i+1+j])
			in, quoted = true, true
			i += j + 1
		case ch == '"':
			if strings.HasSuffix(cur.String(), "=") {
				assignQuoted = true
			}
			i++
			for ; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' && i+1 < len(line) && strings.ContainsRune("\"\\$`", rune(line[i+1])) {
					i++
				}
				cur.WriteByte(line[i])
			}
			if i >= len(line) {
				return nil, fmt.Errorf("unterminated double quote")
			}
			in, quoted = true, true
		case ch == '\\' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
			in = true
		case ch == '#' && !in:
			emit()
			return words, nil
		case ch == ' ' || ch == '\t' || ch == '\n':
			emit()
		case strings.IndexByte("|&;<>", ch) >= 0:
			op := string(ch)
			if i+1 < len(line) && (line[i+1] == ch || (ch == '>' && line[i+1] == '&')) {
				op += string(line[i+1])
				i++
			}
			if ch == '>' && in && cur.String() == "2" {
				cur.Reset()
				in = false
				op = "2" + op
			}
			emit()
			words = append(words, word{text: op, operator: true})
		default:
			cur.WriteByte(ch)
			in = true
		}
	}
	emit()
	return words, nil
}
