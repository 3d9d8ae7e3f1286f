package modcheck

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// tree writes files (slash paths) under a new directory holding dagger.json
// and a .git directory, so that "/" resolves to it.
func tree(t *testing.T, files ...string) string {
	t.Helper()
	root := t.TempDir()
	for _, f := range append(files, "dagger.json", ".git/HEAD") {
		write(t, filepath.Join(root, filepath.FromSlash(f)), "x\n")
	}
	return root
}

// TestUploadMatchesTheEngine holds upload to the engine's own answers
// (Dagger's TestIgnore and TestContextDirectory cases, and the order
// subtleties of patternmatcher's parent results).
func TestUploadMatchesTheEngine(t *testing.T) {
	t.Parallel()
	files := []string{"main.go", "app/main.go", "app/internal/x.go", "backend/a.go", "frontend/b.go", "internal/foo/bar.go", "internal/foo/baz.go", "README.md"}
	cases := []struct {
		name   string
		ignore []string
		want   []string
	}{
		{"everything but one file", []string{"**", "!main.go"}, []string{"main.go"}},
		{"directories re-included whole", []string{"**", "!backend", "!frontend"}, []string{"backend/a.go", "frontend/b.go"}},
		{"a file under an excluded directory", []string{"internal/foo", "!internal/foo/bar.go"}, []string{"README.md", "app/internal/x.go", "app/main.go", "backend/a.go", "frontend/b.go", "internal/foo/bar.go", "main.go"}},
		{"a later re-include does not undo a file pattern", []string{"**/*.go", "!app"}, []string{"README.md"}},
		{"a parent re-include does not undo a child exclusion", []string{"app/internal", "!app"}, []string{"README.md", "app/main.go", "backend/a.go", "frontend/b.go", "internal/foo/bar.go", "internal/foo/baz.go", "main.go"}},
		{"trailing slash and leading slash", []string{"*", "!app/", "/frontend"}, []string{"app/internal/x.go", "app/main.go"}},
	}
	root := tree(t, files...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := upload(root, ContextArg{Name: "source", DefaultPath: "/", Ignore: c.ignore})
			if err != nil {
				t.Fatal(err)
			}
			got = slices.DeleteFunc(got, func(f string) bool { return f == "dagger.json" || strings.HasPrefix(f, ".git/") })
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("Upload(%q) =\n  %v\nwant\n  %v", c.ignore, got, c.want)
			}
		})
	}
}

// gitignoreSamples makes one file for every pattern of every .gitignore of
// the repository, inside each directory the module uploads and at the
// root, named so that the pattern matches it.
func gitignoreSamples(t *testing.T) []string {
	t.Helper()
	var samples []string
	for _, gi := range []string{".gitignore", "ci/.gitignore"} {
		f, err := os.Open(filepath.Join(repoRoot, gi))
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.ToSlash(filepath.Dir(gi))
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			p := strings.TrimSpace(sc.Text())
			if p == "" || strings.HasPrefix(p, "#") || strings.HasPrefix(p, "!") {
				continue
			}
			dirOnly := strings.HasSuffix(p, "/")
			p = strings.TrimSuffix(p, "/")
			anchored := strings.HasPrefix(p, "/") || strings.Contains(p, "/")
			name := strings.ReplaceAll(strings.ReplaceAll(strings.TrimPrefix(p, "/"), "**", "x"), "*", "x")
			if dirOnly {
				name += "/sample"
			}
			var where []string
			switch {
			case anchored && base == ".":
				where = []string{""}
			case anchored:
				where = []string{base + "/"}
			default:
				where = []string{"", "app/", "ci/", "ci/cli/", "terraform/", "terraform/bootstrap/", "terraform/modules/hardened-bucket/", "tests/", "internal/", ".github/"}
			}
			for _, w := range where {
				samples = append(samples, w+name)
			}
		}
		f.Close()
	}
	return samples
}

// TestUploadLeavesOutWhatGitIgnores plants a file for every .gitignore
// pattern in every uploaded directory: the module's +ignore must leave all
// of them out; the list as it stood before (without the plan JSON and
// binding files, local worlds and binaries) is the seeded defect.
func TestUploadLeavesOutWhatGitIgnores(t *testing.T) {
	t.Parallel()
	m := mustParse(t, repoRoot)
	args := m.ContextArgs()
	if len(args) != 1 {
		t.Fatalf("context arguments = %+v, want the source", args)
	}
	samples := gitignoreSamples(t)
	// What terraform needs where it runs: both roots and the local modules they call.
	sources := []string{"app/main.go", "ci/go.mod", "terraform/main.tf", "terraform/bootstrap/main.tf", "terraform/modules/hardened-bucket/main.tf"}
	root := tree(t, append(samples, sources...)...)
	for _, arg := range []ContextArg{args[0], {Name: "before", DefaultPath: "/", Ignore: []string{
		"*", "!dagger.json", "!go.mod", "!go.sum", "!app", "!tests", "!terraform", "!ci", "!.github",
		"ci/dagger.gen.go", "ci/internal/dagger", "ci/internal/querybuilder", "ci/internal/telemetry",
		"**/.terraform", "**/*.tfstate", "**/*.tfstate.*", "**/*.tfplan",
	}}} {
		got, err := upload(root, arg)
		if err != nil {
			t.Fatal(err)
		}
		var leaked []string
		for _, s := range samples {
			if slices.Contains(got, s) {
				leaked = append(leaked, s)
			}
		}
		switch {
		case arg.Name == "before" && len(leaked) == 0:
			t.Error("the old ignore list leaks nothing: the samples do not cover .gitignore")
		case arg.Name != "before" && len(leaked) > 0:
			t.Errorf("the module uploads git-ignored files: %v", leaked)
		}
		for _, src := range sources {
			if !slices.Contains(got, src) {
				t.Errorf("%s: the upload lacks %s: %v", arg.Name, src, got)
			}
		}
	}
}

// TestUploadOfThisCheckoutBuildsOffline runs the whole proof on this
// checkout, then on the ignore list without "!internal" (the seeded
// defect: the root module's tests import internal/components).
func TestUploadOfThisCheckoutBuildsOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds both Go modules")
	}
	t.Parallel()
	m := mustParse(t, repoRoot)
	arg := m.ContextArgs()[0]
	ctx := context.Background()
	proof, err := ProveUploadOf(ctx, repoRoot, "ci", arg)
	if err != nil {
		t.Fatalf("the upload does not build offline: %v", err)
	}
	if len(proof.TestBinaries) < 10 {
		t.Errorf("compiled %d test binaries, want every package with tests", len(proof.TestBinaries))
	}
	broken := arg
	broken.Ignore = slices.DeleteFunc(slices.Clone(arg.Ignore), func(p string) bool { return p == "!internal" })
	if _, err := ProveUploadOf(ctx, repoRoot, "ci", broken); err == nil || !strings.Contains(err.Error(), "internal/components") {
		t.Errorf("an upload without internal/ = %v, want the build to fail on internal/components", err)
	}
}
