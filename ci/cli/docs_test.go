package cli_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gangway-dev/gangway/ci/cli"
	"github.com/gangway-dev/gangway/ci/localcli"
)

// markdownFiles lists the repository's Markdown documents.
func markdownFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == ".local" || d.Name() == "testdata" || d.Name() == ".terraform") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".md") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

var (
	linkRE    = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	headingRE = regexp.MustCompile(`(?m)^#{1,6} (.+)$`)
)

// anchor is GitHub's id for a heading: lower case, punctuation dropped,
// spaces as hyphens.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestDocumentLinksResolve checks every relative link of every Markdown
// document: the file exists and, with a #fragment, has that heading.
func TestDocumentLinksResolve(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	for _, doc := range markdownFiles(t, root) {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range linkRE.FindAllStringSubmatch(string(data), -1) {
			link := m[1]
			if strings.Contains(link, "://") || strings.HasPrefix(link, "mailto:") {
				continue
			}
			path, frag, _ := strings.Cut(link, "#")
			target := doc
			if path != "" {
				target = filepath.Join(filepath.Dir(doc), path)
			}
			rel, _ := filepath.Rel(root, doc)
			tdata, err := os.ReadFile(target)
			if err != nil {
				if fi, serr := os.Stat(target); serr == nil && fi.IsDir() && frag == "" {
					continue
				}
				t.Errorf("%s: link %s: %v", rel, link, err)
				continue
			}
			if frag == "" {
				continue
			}
			found := false
			for _, h := range headingRE.FindAllStringSubmatch(string(tdata), -1) {
				if anchor(h[1]) == frag {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: link %s: no heading with anchor #%s in %s", rel, link, frag, path)
			}
		}
	}
}

// pipelineRE finds a pipeline CLI invocation in a shell line: the built
// binary or `go -C ci run ./cmd/pipeline`.
var pipelineRE = regexp.MustCompile(`(?:^|[\s;&|(])(?:go -C ci run \./cmd/pipeline|go run \./cmd/pipeline|"?\$[A-Za-z_{}]*"?/pipeline|\./pipeline|pipeline)\s+([a-z][a-z-]*)([^|;&>]*)`)

// localRE finds a pipeline-local invocation: the built binary or
// `go -C ci run ./cmd/pipeline-local`, and its flags.
var localRE = regexp.MustCompile(`(?:^|[\s;&|(/])pipeline-local((?:\s+-[^|;&>]*)?)`)

// TestDocumentedPipelineCommandsParse parses every pipeline command shown
// in a fenced block of a Markdown document with the real CLI, followed by
// -help (which stops before any side effect).
func TestDocumentedPipelineCommandsParse(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	n := 0
	for _, doc := range markdownFiles(t, root) {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, doc)
		inBlock := false
		for i, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "```") {
				inBlock = !inBlock
				continue
			}
			if !inBlock {
				continue
			}
			for _, m := range pipelineRE.FindAllStringSubmatch(line, -1) {
				args := append([]string{m[1]}, strings.Fields(strings.ReplaceAll(m[2], `\`, ""))...)
				if m[1] == "gha" && len(args) > 1 {
					continue // gha takes its kind first; its flags are checked in gha's tests
				}
				n++
				var stderr bytes.Buffer
				code := cli.Main(context.Background(), append(args, "-help"), cli.IO{Stdout: &bytes.Buffer{}, Stderr: &stderr, Getenv: func(string) string { return "" }})
				if code != cli.ExitOK {
					t.Errorf("%s:%d: pipeline %s does not parse (exit %d): %s", rel, i+1, strings.Join(args, " "), code, firstLine(stderr.String()))
				}
			}
			for _, m := range localRE.FindAllStringSubmatch(line, -1) {
				args := strings.Fields(strings.ReplaceAll(m[1], `\`, ""))
				n++
				var stderr bytes.Buffer
				code := localcli.Main(context.Background(), append(args, "-help"), nil, cli.IO{Stdout: &bytes.Buffer{}, Stderr: &stderr, Getenv: func(string) string { return "" }})
				if code != cli.ExitOK {
					t.Errorf("%s:%d: pipeline-local %s does not parse (exit %d): %s", rel, i+1, strings.Join(args, " "), code, firstLine(stderr.String()))
				}
			}
		}
	}
	if n < 3 {
		t.Errorf("found %d pipeline commands in the documents; the extraction is broken", n)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
