package rollout

import (
	"bytes"
	_ "embed"
	"fmt"
	"regexp"
	"strings"
	"text/template"
	"time"
)

//go:embed script.sh.tmpl
var scriptText string

// The template's delimiters are <@ @> because the script itself contains
// Go templates ({{.State.Running}}) and bash's [[ ]].
var scriptTemplate = template.Must(template.New("rollout.sh").Delims("<@", "@>").Parse(scriptText))

// Var is one shell assignment at the top of the script: Name=Value, with
// Value already quoted for bash (a word or an array).
type Var struct {
	Name  string
	Value string
}

// logTailBytes is how much of its log the script prints before the result
// line: well under SSM's 24,000-character stdout cut.
const logTailBytes = 16000

// Vars builds the script's variables from p. It is pure: the same Params
// always give the same assignments, in a fixed order.
func Vars(p Params) ([]Var, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var pull []string
	if p.InsecureRegistry {
		pull = append(pull, "--tls-verify=false")
	}
	secs := func(d time.Duration) string { return fmt.Sprint(int64(d / time.Second)) }
	return []Var{
		{"MODE", quote(string(p.Mode))},
		{"IMAGE", quote(p.Image)},
		{"DOCKER", quote(p.Docker)},
		{"PULL_ARGS", quoteArray(pull)},
		{"LOGIN", quote(string(p.Login))},
		{"REGION", quote(p.Region)},
		{"ENV_FILE", quote(p.EnvFile)},
		{"NAME_PREFIX", quote(p.NamePrefix)},
		{"BLUE_PORT", fmt.Sprint(p.BluePort)},
		{"GREEN_PORT", fmt.Sprint(p.GreenPort)},
		{"NETWORK", quote(p.Network)},
		{"CONTAINER_PORT", fmt.Sprint(p.ContainerPort)},
		{"CREDENTIALS_DIR", quote(strings.TrimSuffix(p.CredentialsDir, "/"))},
		{"MEMORY", quote(p.Memory)},
		{"PIDS", fmt.Sprint(p.Pids)},
		{"PUBLIC_LISTEN", quote(p.PublicListen)},
		{"CHECK_URL", quote(checkURL(p.PublicListen))},
		{"UPSTREAM", quote(upstreamName(p.NamePrefix))},
		{"STATE_DIR", quote(strings.TrimSuffix(p.StateDir, "/"))},
		{"NGINX_SITE", quote(p.NginxSite)},
		{"NGINX_TEST", quoteArray(p.NginxTest)},
		{"NGINX_RELOAD", quoteArray(p.NginxReload)},
		{"HEALTH_TIMEOUT", secs(p.HealthTimeout)},
		{"SWITCH_TIMEOUT", secs(p.SwitchTimeout)},
		{"DRAIN_SECONDS", secs(p.Drain)},
		{"BAKE_SECONDS", secs(p.Bake)},
		{"BAKE_MAX_5XX", fmt.Sprint(bakeMax5xx)},
		{"FAILED_LOG", quote(strings.TrimSuffix(p.StateDir, "/") + "/failed-requests.log")},
		{"ACCESS_LOG", quote(p.NginxAccessLog)},
		{"STOP_TIMEOUT", secs(p.StopTimeout)},
		{"LOCK_TIMEOUT", secs(p.LockTimeout)},
		{"LOG_TAIL_BYTES", fmt.Sprint(logTailBytes)},
	}, nil
}

// Render returns the script for p. It is pure; see Vars. The script keeps
// its opening comment and drops the template's other whole-line comments
// (not lines inside a here-document, which are data): the script must fit
// the SSM parameter a booting host reads (package release), and the
// template is where its comments are read.
func Render(p Params) (string, error) {
	vars, err := Vars(p)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := scriptTemplate.Execute(&b, struct{ Vars []Var }{vars}); err != nil {
		return "", fmt.Errorf("rendering the rollout script: %w", err)
	}
	return dropComments(b.String()), nil
}

// hereDoc matches the start of a here-document: <<WORD, <<'WORD',
// <<"WORD", <<\WORD, << WORD, and each with <<- (which strips leading tabs
// from its lines and terminator).
var hereDoc = regexp.MustCompile(`<<(-?)\s*\\?['"]?([A-Za-z_][A-Za-z0-9_]*)['"]?`)

// dropComments removes whole-line comments after the opening comment block,
// outside here-documents.
func dropComments(script string) string {
	lines := strings.SplitAfter(script, "\n")
	out := make([]string, 0, len(lines))
	header, marker, tabs := true, "", false
	for _, line := range lines {
		trimmed := strings.TrimSpace(line)
		switch {
		case header:
			header = strings.HasPrefix(trimmed, "#")
		case marker != "":
			end := strings.TrimSuffix(line, "\n")
			if tabs {
				end = strings.TrimLeft(end, "\t")
			}
			if end == marker {
				marker = ""
			}
		case strings.HasPrefix(trimmed, "#"):
			continue
		default:
			if m := hereDoc.FindStringSubmatch(line); m != nil {
				tabs, marker = m[1] == "-", m[2]
			}
		}
		out = append(out, line)
	}
	return strings.Join(out, "")
}

var unsafeUpstream = regexp.MustCompile(`[^a-zA-Z0-9_]`)

func upstreamName(prefix string) string {
	return unsafeUpstream.ReplaceAllString(prefix, "_") + "_active"
}

// quote makes s one bash word: single quotes, with embedded ones closed,
// escaped and reopened.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func quoteArray(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = quote(s)
	}
	return "(" + strings.Join(q, " ") + ")"
}
