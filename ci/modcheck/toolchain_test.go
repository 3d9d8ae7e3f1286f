package modcheck

import (
	"maps"
	"strings"
	"testing"
)

// TestGoVersionsAgree checks this checkout, then breaks each file in turn.
func TestGoVersionsAgree(t *testing.T) {
	t.Parallel()
	files, err := ReadGoFiles("../..")
	if err != nil {
		t.Fatal(err)
	}
	if ps := CheckGoVersions(files); len(ps) > 0 {
		t.Fatalf("this checkout: %q", ps)
	}
	for _, c := range []struct {
		name, file, old, new, want string
	}{
		{"root toolchain behind", goFiles.RootMod, "toolchain go1.26.11", "toolchain go1.26.10", "one release"},
		{"no toolchain line", goFiles.ModuleMod, "toolchain go1.26.11", "", "no toolchain line"},
		{"module go line past the engine", goFiles.ModuleMod, "go 1.26.1\n", "go 1.26.11\n", "codegen refuses"},
		{"module image behind", goFiles.ModuleMain, "golang:1.26.11-bookworm", "golang:1.26.8-bookworm", "goImage is golang:1.26.8"},
		{"recipe image behind", goFiles.Containerfile, "golang:1.26.11-bookworm", "golang:1.26.8-bookworm", "GO_IMAGE is golang:1.26.8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			broken := maps.Clone(files)
			if !strings.Contains(string(broken[c.file]), c.old) {
				t.Fatalf("%s no longer contains %q: update this case", c.file, c.old)
			}
			broken[c.file] = []byte(strings.Replace(string(broken[c.file]), c.old, c.new, 1))
			ps := CheckGoVersions(broken)
			if !strings.Contains(strings.Join(ps, "\n"), c.want) {
				t.Errorf("problems %q, want one saying %q", ps, c.want)
			}
		})
	}
}
