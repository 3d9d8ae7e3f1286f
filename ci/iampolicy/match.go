package iampolicy

import (
	"regexp"
	"strings"
	"sync"
)

// patterns caches compiled wildcard patterns by kind and text.
var patterns sync.Map // patternKey → *regexp.Regexp

type patternKey struct {
	kind    byte // 'g' glob, 'i' glob ignoring case, 'a' ARN
	pattern string
}

// globMatch reports whether value matches pattern, where * matches any
// run of characters (none included) and ? exactly one.
func globMatch(pattern, value string, foldCase bool) bool {
	kind := byte('g')
	if foldCase {
		kind = 'i'
	}
	return compiled(patternKey{kind, pattern}).MatchString(value)
}

// arnMatch reports whether an ARN matches an ARN pattern as the Resource
// element and the Arn* operators match them: case-sensitively, with * and
// ? inside the colon-separated segments (partition, service, region,
// account, resource). A * that is the last character of one of the first
// five segments may run on across colons, as AWS documents; in the
// resource segment, which itself may hold colons, * and ? match anything.
func arnMatch(pattern, value string) bool {
	return compiled(patternKey{'a', pattern}).MatchString(value)
}

// actionMatch matches an action name ("s3:GetObject") case-insensitively.
func actionMatch(pattern, action string) bool {
	return globMatch(pattern, action, true)
}

func compiled(k patternKey) *regexp.Regexp {
	if re, ok := patterns.Load(k); ok {
		return re.(*regexp.Regexp)
	}
	var b strings.Builder
	b.WriteString("(?s)")
	if k.kind == 'i' {
		b.WriteString("(?i)")
	}
	b.WriteString("^")
	segment := 0 // how many colons precede this character (ARN patterns)
	for i, r := range k.pattern {
		switch {
		case r == '*' && k.kind == 'a' && segment < 5:
			// Inside a segment, unless it ends the segment.
			if i+1 == len(k.pattern) || k.pattern[i+1] == ':' {
				b.WriteString(".*")
			} else {
				b.WriteString("[^:]*")
			}
		case r == '?' && k.kind == 'a' && segment < 5:
			b.WriteString("[^:]")
		case r == '*':
			b.WriteString(".*")
		case r == '?':
			b.WriteString(".")
		default:
			if r == ':' {
				segment++
			}
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	re := regexp.MustCompile(b.String())
	patterns.Store(k, re)
	return re
}

// arnAccount returns the account field of an ARN ("" when there is none,
// as in S3 bucket ARNs, or when s is not an ARN). A bare 12-digit account
// id is returned as it is.
func arnAccount(s string) string {
	if isAccountID(s) {
		return s
	}
	parts := strings.SplitN(s, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[4]
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// roleARN turns an assumed-role session ARN
// (arn:aws:sts::111122223333:assumed-role/NAME/SESSION) into the role ARN
// (arn:aws:iam::111122223333:role/NAME) that policies name; any other ARN
// is returned unchanged. (A role's path is not part of a session ARN.)
func roleARN(s string) string {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sts" || !strings.HasPrefix(parts[5], "assumed-role/") {
		return s
	}
	name, _, _ := strings.Cut(strings.TrimPrefix(parts[5], "assumed-role/"), "/")
	return "arn:" + parts[1] + ":iam::" + parts[4] + ":role/" + name
}

// accountPrincipal reports whether a principal id names a whole account
// ("111122223333" or "arn:aws:iam::111122223333:root") and which.
func accountPrincipal(id string) (string, bool) {
	if isAccountID(id) {
		return id, true
	}
	parts := strings.SplitN(id, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" && parts[2] == "iam" && parts[5] == "root" {
		return parts[4], true
	}
	return "", false
}
