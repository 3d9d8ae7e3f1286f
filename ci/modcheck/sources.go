package modcheck

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// CallsInRepo finds every `dagger` command that users are told to run: the
// run: steps of .github/workflows/*.yml, the script lines of GitLab
// pipelines (*.gitlab-ci.yml), and the fenced shell blocks of every
// Markdown file in the repository (outside .git and ignored build trees).
func CallsInRepo(root string) ([]Call, error) {
	var calls []Call
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			switch d.Name() {
			case ".git", ".local", "node_modules", ".terraform", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		var found []Call
		var ferr error
		switch {
		case strings.HasPrefix(filepath.ToSlash(rel), ".github/workflows/") && (strings.HasSuffix(rel, ".yml") || strings.HasSuffix(rel, ".yaml")):
			found, ferr = callsInYAML(p, rel)
		case strings.HasSuffix(rel, ".gitlab-ci.yml"):
			found, ferr = callsInYAML(p, rel)
		case strings.HasSuffix(rel, ".md"):
			found, ferr = callsInMarkdown(p, rel)
		}
		calls = append(calls, found...)
		return ferr
	})
	sort.SliceStable(calls, func(i, j int) bool { return calls[i].Where < calls[j].Where })
	return calls, err
}

// callsInYAML extracts the calls of every run: and script: string in a
// workflow or pipeline file.
func callsInYAML(path, rel string) ([]Call, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", rel, err)
	}
	var calls []Call
	var walk func(n *yaml.Node) error
	walk = func(n *yaml.Node) error {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if k.Value == "run" || k.Value == "script" || k.Value == "before_script" || k.Value == "after_script" {
					var scripts []*yaml.Node
					switch v.Kind {
					case yaml.ScalarNode:
						scripts = []*yaml.Node{v}
					case yaml.SequenceNode:
						scripts = v.Content
					}
					for _, s := range scripts {
						first := s.Line
						if s.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
							first++ // a block scalar starts on the line after its indicator
						}
						found, err := ExtractCalls(rel, first, s.Value)
						if err != nil {
							return err
						}
						calls = append(calls, found...)
					}
					continue
				}
				if err := walk(v); err != nil {
					return err
				}
			}
			return nil
		}
		for _, c := range n.Content {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	return calls, walk(&doc)
}

var fenceRE = regexp.MustCompile("^\\s*(```+|~~~+)\\s*([A-Za-z]*)")

// callsInMarkdown extracts the calls of fenced shell blocks (sh, bash,
// shell, console, or no language).
func callsInMarkdown(path, rel string) ([]Call, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var calls []Call
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		m := fenceRE.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		fence, lang := m[1], m[2]
		start := i + 1
		var block []string
		for i++; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), fence); i++ {
			block = append(block, strings.TrimPrefix(lines[i], "$ "))
		}
		switch lang {
		case "", "sh", "bash", "shell", "console":
		default:
			continue
		}
		found, err := ExtractCalls(rel, start+1, strings.Join(block, "\n"))
		if err != nil {
			return nil, err
		}
		calls = append(calls, found...)
	}
	return calls, nil
}
