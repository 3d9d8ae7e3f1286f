package reporoot

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFind(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	mk := func(p string) string {
		p = filepath.Join(base, p)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	project := mk("repo/sub/dir")
	mk("repo/.git")
	if err := os.WriteFile(filepath.Join(base, "repo", "dagger.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitOnly := mk("plain/a/b")
	mk("plain/.git")
	nested := mk("plain/a/inner/.git")
	for _, c := range []struct{ from, want string }{
		{project, filepath.Join(base, "repo")},
		{gitOnly, filepath.Join(base, "plain")},
		{filepath.Dir(nested), filepath.Join(base, "plain", "a", "inner")},
	} {
		if got, err := Find(c.from); err != nil || got != c.want {
			t.Errorf("Find(%s) = %q, %v; want %q", c.from, got, err, c.want)
		}
	}
	if got, err := Find(mk("nowhere")); err == nil {
		t.Errorf("Find outside any repository = %q", got)
	}
	// This checkout: dagger.json two levels up.
	got, err := Find(".")
	if err != nil {
		t.Fatalf("Find(.): %v", err)
	}
	for _, marker := range []string{"dagger.json", "ci/go.mod"} {
		if _, err := os.Stat(filepath.Join(got, marker)); err != nil {
			t.Errorf("Find(.) = %q, which holds no %s", got, marker)
		}
	}
}
