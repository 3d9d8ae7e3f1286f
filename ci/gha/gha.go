package gha

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/sethvargo/go-githubactions"
)

// Level is an annotation's severity.
type Level string

// Annotation levels.
const (
	LevelError   Level = "error"
	LevelWarning Level = "warning"
	LevelNotice  Level = "notice"
)

// Annotation is one message shown on the run's page.
type Annotation struct {
	Level   Level
	Title   string
	Message string
}

// Output is one step output.
type Output struct {
	Name  string
	Value string
}

// Report is everything one result publishes.
type Report struct {
	// Summary is Markdown appended to the job summary.
	Summary string
	// Outputs are step outputs, in order.
	Outputs []Output
	// Annotations are shown on the run, in order.
	Annotations []Annotation
	// Masks are values the runner must hide from the log from now on.
	Masks []string
}

// Failed counts error annotations.
func (r Report) Failed() int {
	n := 0
	for _, a := range r.Annotations {
		if a.Level == LevelError {
			n++
		}
	}
	return n
}

// ErrNotInActions is returned by Publish outside GitHub Actions.
var ErrNotInActions = errors.New("not running in GitHub Actions (GITHUB_ACTIONS is not \"true\"): nothing was written")

// inActions reports whether the process runs as a GitHub Actions step.
func inActions(getenv func(string) string) bool { return getenv("GITHUB_ACTIONS") == "true" }

// Publish writes r: masks first (so that nothing after them can leak),
// then annotations to w, outputs to $GITHUB_OUTPUT and the summary to
// $GITHUB_STEP_SUMMARY. Outside GitHub Actions it writes nothing and
// returns ErrNotInActions.
func Publish(r Report, getenv func(string) string, w io.Writer) (err error) {
	if !inActions(getenv) {
		return ErrNotInActions
	}
	if len(r.Outputs) > 0 && getenv("GITHUB_OUTPUT") == "" {
		return errors.New("GITHUB_OUTPUT is not set: this runner does not support environment files")
	}
	if r.Summary != "" && getenv("GITHUB_STEP_SUMMARY") == "" {
		return errors.New("GITHUB_STEP_SUMMARY is not set: this runner does not support job summaries")
	}
	for _, o := range r.Outputs {
		if strings.ContainsAny(o.Value, "\r\n") || strings.ContainsAny(o.Name, "\r\n<=") || o.Name == "" {
			return fmt.Errorf("output %q: names and values must be single lines", o.Name)
		}
	}
	// go-githubactions panics when a file command cannot be written.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("writing GitHub Actions files: %v", p)
		}
	}()
	a := githubactions.New(githubactions.WithWriter(w), githubactions.WithGetenv(getenv))
	for _, m := range r.Masks {
		if m != "" {
			a.AddMask(m)
		}
	}
	for _, an := range r.Annotations {
		fa := a
		if an.Title != "" {
			fa = a.WithFieldsMap(map[string]string{"title": an.Title})
		}
		switch an.Level {
		case LevelError:
			fa.Errorf("%s", an.Message)
		case LevelWarning:
			fa.Warningf("%s", an.Message)
		default:
			fa.Noticef("%s", an.Message)
		}
	}
	for _, o := range r.Outputs {
		a.SetOutput(o.Name, o.Value)
	}
	if r.Summary != "" {
		a.AddStepSummary(r.Summary)
	}
	return nil
}

// mdCell makes s safe inside a Markdown table cell on one line.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "\r", "")
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "|", `\|`)
}

// code wraps s in backticks, safe for one table cell.
func code(s string) string {
	return "`" + strings.ReplaceAll(mdCell(s), "`", "'") + "`"
}

// Merge joins reports into one: summaries in order (separated by a blank
// line), then outputs, annotations and masks. A later output with the same
// name replaces an earlier one.
func Merge(rs ...Report) Report {
	var m Report
	var summaries []string
	index := map[string]int{}
	for _, r := range rs {
		if s := strings.TrimSpace(r.Summary); s != "" {
			summaries = append(summaries, s)
		}
		for _, o := range r.Outputs {
			if i, ok := index[o.Name]; ok {
				m.Outputs[i] = o
				continue
			}
			index[o.Name] = len(m.Outputs)
			m.Outputs = append(m.Outputs, o)
		}
		m.Annotations = append(m.Annotations, r.Annotations...)
		m.Masks = append(m.Masks, r.Masks...)
	}
	if len(summaries) > 0 {
		m.Summary = strings.Join(summaries, "\n\n") + "\n"
	}
	return m
}

// Names of the files Files returns, for a workflow step to apply:
//
//	cat summary.md >> "$GITHUB_STEP_SUMMARY"
//	cat outputs >> "$GITHUB_OUTPUT"
//	cat commands            # masks and annotations: workflow commands on stdout
const (
	FileSummary  = "summary.md"
	FileOutputs  = "outputs"
	FileCommands = "commands"
)

// Files renders r as the three files a workflow step appends to GitHub's
// own (see FileSummary), written by the same go-githubactions code as
// Publish. It is how a report made inside a container (a Dagger function)
// reaches the job: the container cannot write the runner's files itself.
func Files(r Report) (map[string][]byte, error) {
	dir, err := os.MkdirTemp("", "gangway-gha-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	env := map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_OUTPUT":       filepath.Join(dir, FileOutputs),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, FileSummary),
	}
	var commands bytes.Buffer
	if err := Publish(r, func(k string) string { return env[k] }, &commands); err != nil {
		return nil, err
	}
	files := map[string][]byte{FileCommands: commands.Bytes()}
	for _, name := range []string{FileOutputs, FileSummary} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		files[name] = data
	}
	return files, nil
}
