package modcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

// engineGoCeiling is the newest `go` line the engine's Go SDK codegen
// accepts in the module's go.mod: it refuses a go.mod newer than the Go it
// was built with ("existing go.mod has unsupported version",
// cmd/codegen/generator/go/generate_module.go). Engine v0.21.9 was built
// from the backport-0.21 branch of August 2026 with golang:1.26-alpine,
// when 1.26.6 was the newest patch; the module's go line stays at or below
// it, and the toolchain line asks for the patched release instead.
const engineGoCeiling = "1.26.6"

// goFiles are the files that name the Go release the project builds with.
var goFiles = struct{ RootMod, ModuleMod, ModuleMain, Containerfile string }{
	RootMod: "go.mod", ModuleMod: "ci/go.mod", ModuleMain: "ci/main.go", Containerfile: "app/Containerfile",
}

var (
	goImageRE       = regexp.MustCompile(`goImage\s*=\s*"golang:([0-9.]+)-bookworm"`)
	containerfileRE = regexp.MustCompile(`(?m)^ARG GO_IMAGE=docker\.io/library/golang:([0-9.]+)-bookworm$`)
)

// CheckGoVersions holds the Go release in one place: both go.mod files'
// toolchain lines, the module's golang image and the Containerfile's build
// stage name the same patch release, and the module's go line stays within
// what the engine's codegen accepts. files maps the goFiles paths to their
// content.
func CheckGoVersions(files map[string][]byte) []string {
	var problems []string
	toolchain := map[string]string{}
	var moduleGo string
	for _, p := range []string{goFiles.RootMod, goFiles.ModuleMod} {
		f, err := modfile.Parse(p, files[p], nil)
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s: %v", p, err))
			continue
		case f.Toolchain == nil:
			problems = append(problems, fmt.Sprintf("%s has no toolchain line: name the patched Go release (toolchain goX.Y.Z)", p))
			continue
		}
		toolchain[p] = f.Toolchain.Name
		if p == goFiles.ModuleMod && f.Go != nil {
			moduleGo = f.Go.Version
		}
	}
	want := toolchain[goFiles.RootMod]
	if got := toolchain[goFiles.ModuleMod]; want != "" && got != "" && got != want {
		problems = append(problems, fmt.Sprintf("%s asks for %s, %s for %s: build both modules with one release", goFiles.ModuleMod, got, goFiles.RootMod, want))
	}
	if moduleGo != "" && semver.Compare("v"+moduleGo, "v"+engineGoCeiling) > 0 {
		problems = append(problems, fmt.Sprintf("%s says go %s: engine v0.21.9's codegen refuses a go line newer than %s; raise the toolchain line instead", goFiles.ModuleMod, moduleGo, engineGoCeiling))
	}
	for _, c := range []struct {
		path string
		re   *regexp.Regexp
		what string
	}{{goFiles.ModuleMain, goImageRE, "the module's goImage"}, {goFiles.Containerfile, containerfileRE, "the Containerfile's GO_IMAGE"}} {
		m := c.re.FindSubmatch(files[c.path])
		switch {
		case m == nil:
			problems = append(problems, fmt.Sprintf("%s: %s not found (golang:X.Y.Z-bookworm)", c.path, c.what))
		case want != "" && "go"+string(m[1]) != want:
			problems = append(problems, fmt.Sprintf("%s: %s is golang:%s, the go.mod toolchain is %s: bump them together", c.path, c.what, m[1], want))
		}
	}
	return problems
}

// ReadGoFiles reads the goFiles under root.
func ReadGoFiles(root string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, p := range []string{goFiles.RootMod, goFiles.ModuleMod, goFiles.ModuleMain, goFiles.Containerfile} {
		data, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			return nil, err
		}
		out[p] = data
	}
	return out, nil
}
