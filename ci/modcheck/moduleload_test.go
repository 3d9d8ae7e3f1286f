package modcheck

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// The module's own source is dagger.json, the source directory and the
// include patterns, relative to dagger.json's directory.
func TestModuleLoadTakesSourceAndInclude(t *testing.T) {
	t.Parallel()
	files := []string{"go.mod", "go.sum", "ci/go.mod", "ci/main.go", "ci/pkg/a.go", "app/main.go", "internal/components/c.go", "internal/other/o.go", "README.md"}
	cases := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"source only", Config{Source: "ci"},
			[]string{"ci/go.mod", "ci/main.go", "ci/pkg/a.go", "dagger.json"}},
		{"with include", Config{Source: "ci", Include: []string{"go.mod", "internal/components"}},
			[]string{"ci/go.mod", "ci/main.go", "ci/pkg/a.go", "dagger.json", "go.mod", "internal/components/c.go"}},
		{"a negated include", Config{Source: "ci", Include: []string{"internal", "!internal/other"}},
			[]string{"ci/go.mod", "ci/main.go", "ci/pkg/a.go", "dagger.json", "internal/components/c.go"}},
		{"source at the root", Config{Source: "."}, // "*": every top-level entry, and all below
			[]string{"README.md", "app/main.go", "ci/go.mod", "ci/main.go", "ci/pkg/a.go", "dagger.json", "go.mod", "go.sum", "internal/components/c.go", "internal/other/o.go"}},
	}
	for _, c := range cases {
		root := tree(t, files...)
		got, err := moduleLoad(context.Background(), root, root, c.cfg)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: loads %v, want %v", c.name, got, c.want)
		}
	}
	root := tree(t, files...)
	if _, err := moduleLoad(context.Background(), root, root, Config{Source: "ci", Include: []string{"../elsewhere"}}); err == nil || !strings.Contains(err.Error(), "outside the context") {
		t.Errorf("an include outside the context = %v, want the engine's refusal", err)
	}
}

// TestModuleLoadOfThisCheckoutBuildsOffline proves this checkout's module
// load, then the seeded defect: dagger.json without the include that ci's
// replace directive needs.
func TestModuleLoadOfThisCheckoutBuildsOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds both Go modules")
	}
	t.Parallel()
	ctx := context.Background()
	cfg, err := ReadConfig(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ProveModuleLoad(ctx, repoRoot, cfg); err != nil {
		t.Fatalf("the module's own source does not build offline: %v", err)
	}
	broken := cfg
	broken.Include = slices.DeleteFunc(slices.Clone(cfg.Include), func(p string) bool { return p == "internal/components" })
	if _, err := ProveModuleLoad(ctx, repoRoot, broken); err == nil || !strings.Contains(err.Error(), "internal/components") {
		t.Errorf("a load without internal/components = %v, want the build to fail on it", err)
	}
}
