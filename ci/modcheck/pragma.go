package modcheck

import (
	"encoding/json"
	"regexp"
	"strings"
)

// pragmaRE is the Go SDK codegen's pragma pattern (v0.21,
// cmd/codegen/generator/go/templates/modules.go): "+key" or "+key=value".
var pragmaRE = regexp.MustCompile(`[ \t]*\+[ \t]*(\S+?)(?:(=[ \t]*)|(?:\r?\n|$))`)

// parsePragmas reads the pragmas out of a comment's text the way the codegen
// does: a value is JSON when it decodes as JSON (it may then span lines),
// else the rest of the line; "+key" alone has the value nil (true). It
// returns the pragmas and the comment without them (the description).
func parsePragmas(comment string) (map[string]any, string) {
	data := map[string]any{}
	var rest strings.Builder
	lastEnd := 0
	for _, v := range pragmaRE.FindAllStringSubmatchIndex(comment, -1) {
		if v[0] < lastEnd {
			continue
		}
		key := comment[v[2]:v[3]]
		var value any
		end := v[1]
		if v[4] != -1 {
			dec := json.NewDecoder(strings.NewReader(comment[v[5]:]))
			if err := dec.Decode(&value); err == nil {
				end = v[5] + int(dec.InputOffset())
				if idx := strings.IndexByte(comment[end:], '\n'); idx == -1 {
					end = len(comment)
				} else {
					end += idx + 1
				}
			} else {
				value = nil
				idx := strings.IndexByte(comment[v[5]:], '\n')
				var raw string
				if idx == -1 {
					raw, end = comment[v[5]:], len(comment)
				} else {
					raw, end = strings.TrimSuffix(comment[v[5]:v[5]+idx], "\r"), v[5]+idx+1
				}
				if raw != "" {
					value = raw
				}
			}
		}
		data[key] = value
		rest.WriteString(comment[lastEnd:v[0]])
		lastEnd = end
	}
	rest.WriteString(comment[lastEnd:])
	return data, strings.TrimSpace(rest.String())
}
