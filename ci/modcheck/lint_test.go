package modcheck

import (
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot is the repository this package lives in.
const repoRoot = "../.."

func TestTheModulePassesTheLint(t *testing.T) {
	t.Parallel()
	m, err := ParseModule(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	if ps := Lint(m); len(ps) > 0 {
		t.Errorf("the module has %d problem(s):\n%v", len(ps), ps)
	}
	for _, name := range []string{"build", "plan", "apply", "publish", "promote", "rollout", "rollback", "integration-test", "deploy", "verdict"} {
		if _, ok := m.Objects[m.Main].Functions[name]; !ok {
			t.Errorf("dagger functions lacks %q (DESIGN.md's contract)", name)
		}
	}
}

// fakeModule writes a module named "m" with src as its main.go.
func fakeModule(t *testing.T, src string) string {
	t.Helper()
	root := t.TempDir()
	write(t, filepath.Join(root, "dagger.json"), `{"name": "m", "sdk": {"source": "go"}, "source": "ci"}`)
	write(t, filepath.Join(root, "ci", "main.go"), src)
	return root
}

const lintHeader = `package main

import (
	"context"

	"github.com/example/m/internal/dagger"
)

// M is the module.
type M struct{}

`

// TestEachLintRuleCatchesItsDefect seeds one defect per rule into an
// otherwise good module: each must be reported.
func TestEachLintRuleCatchesItsDefect(t *testing.T) {
	t.Parallel()
	good := `// Good does a thing.
// +cache="never"
func (m *M) Good(
	ctx context.Context,
	// The source.
	// +defaultPath="/"
	// +ignore=["*", "!app"]
	source *dagger.Directory,
	// A name.
	// +default="x"
	name string,
) (*dagger.Container, error) {
	return nil, nil
}
`
	cases := []struct {
		name, src, want string
	}{
		{"bad cache value", strings.Replace(good, `+cache="never"`, `+cache="sometimes"`, 1), `+cache=sometimes`},
		{"cache too long", strings.Replace(good, `+cache="never"`, `+cache="200h"`, 1), "between 1s and 168h"},
		{"unknown pragma", strings.Replace(good, `+cache="never"`, `+cached="never"`, 1), "unknown pragma +cached"},
		{"ignore not a list", strings.Replace(good, `+ignore=["*", "!app"]`, `+ignore="*"`, 1), "JSON array of strings"},
		{"ignore on a string", strings.Replace(good, "// A name.\n", "// A name.\n\t// +ignore=[\"x\"]\n", 1), "applies only to a Directory"},
		{"default of the wrong type", strings.Replace(good, `+default="x"`, `+default=3`, 1), "quoted JSON string"},
		{"two defaults", strings.Replace(good, `+ignore=["*", "!app"]`, "+ignore=[\"*\"]\n\t// +optional\n\t// +default=\"\"", 1), "at most one of"},
		{"map argument", strings.Replace(good, "name string,", "name map[string]string,", 1), "maps are not supported"},
		{"unsigned argument", strings.Replace(good, "name string,", "name uint,", 1), "unsigned integers"},
		{"undocumented argument", strings.Replace(good, "\t// A name.\n", "", 1), "no description"},
		{"undocumented function", strings.Replace(good, "// Good does a thing.\n", "", 1), "no description"},
		{"three results", strings.Replace(good, "(*dagger.Container, error) {\n\treturn nil, nil", "(*dagger.Container, string, error) {\n\treturn nil, \"\", nil", 1), "at most two results"},
		{"second result not error", strings.Replace(good, "(*dagger.Container, error) {\n\treturn nil, nil", "(*dagger.Container, string) {\n\treturn nil, \"\"", 1), "second result must be error"},
		{"context not first", strings.Replace(strings.Replace(good, "\tctx context.Context,\n", "", 1), "name string,", "name string,\n\tctx context.Context,", 1), "context.Context must be the first"},
		{"reserved name", strings.Replace(good, "func (m *M) Good(", "func (m *M) ID(", 1), "reserved"},
		{"a number split off a word", strings.Replace(good, "name string,", "nameSha256 string,", 1), "--name-sha-256"},
		{"flag collides with the CLI", strings.Replace(good, "name string,", "output string,", 1), "collides with a flag of the dagger CLI"},
		{"check with a required argument", strings.Replace(strings.Replace(good, `+cache="never"`, "+check", 1), "// +default=\"x\"\n", "", 1), "never runs"},
	}
	if ps := Lint(mustParse(t, fakeModule(t, lintHeader+good))); len(ps) > 0 {
		t.Fatalf("the good module has problems: %v", ps)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ps := Lint(mustParse(t, fakeModule(t, lintHeader+c.src)))
			var all []string
			for _, p := range ps {
				all = append(all, p.String())
			}
			if !strings.Contains(strings.Join(all, "\n"), c.want) {
				t.Errorf("Lint = %v, want a problem containing %q", all, c.want)
			}
		})
	}
}

func mustParse(t *testing.T, root string) *Module {
	t.Helper()
	m, err := ParseModule(root)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCLINamesAsTheEngineDerivesThem(t *testing.T) {
	t.Parallel()
	// The pairs Dagger's own CLI produces (strcase v0.3.0, acronyms JSON and LLM).
	cases := map[string]string{
		"IntegrationTest": "integration-test", "awsAccessKeyID": "aws-access-key-id",
		"skipIntegrationTests": "skip-integration-tests", "baseURL": "base-url", "getHTTPClient": "get-httpclient",
		"AWSRegion": "awsregion", "planJSON": "plan-json", "TestsWithoutComponents": "tests-without-components",
	}
	for in, want := range cases {
		if got := CLIName(in); got != want {
			t.Errorf("CLIName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPragmasParseAsTheCodegenDoes(t *testing.T) {
	t.Parallel()
	text := "The root.\n+defaultPath=\"/\"\n+ignore=[\"*\",\n  \"!app\"]\n+optional\nMore words.\n"
	prag, doc := parsePragmas(text)
	if got := prag["defaultPath"]; got != "/" {
		t.Errorf("defaultPath = %v", got)
	}
	if got, ok := prag["ignore"].([]any); !ok || len(got) != 2 || got[1] != "!app" {
		t.Errorf("ignore = %#v (a JSON value may span lines)", prag["ignore"])
	}
	if v, ok := prag["optional"]; !ok || v != nil {
		t.Errorf("optional = %v, %v; want present and nil", v, ok)
	}
	if doc != "The root.\nMore words." {
		t.Errorf("description = %q", doc)
	}
}
