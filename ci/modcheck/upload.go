package modcheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/moby/patternmatcher"
)

// ContextArg is a constructor argument that the engine fills from the
// module's context directory (+defaultPath), with its +ignore patterns.
type ContextArg struct {
	Name        string
	DefaultPath string
	Ignore      []string
}

// ContextArgs lists the constructor's contextual Directory arguments.
func (m *Module) ContextArgs() []ContextArg {
	var out []ContextArg
	if m.Constructor == nil {
		return nil
	}
	for _, a := range m.Constructor.Args {
		p, ok := a.Pragmas["defaultPath"].(string)
		if !ok || a.Type.Kind != KindCore || a.Type.Name != "Directory" {
			continue
		}
		arg := ContextArg{Name: a.GoName, DefaultPath: p}
		if list, ok := a.Pragmas["ignore"].([]any); ok {
			for _, item := range list {
				if s, ok := item.(string); ok {
					arg.Ignore = append(arg.Ignore, s)
				}
			}
		}
		out = append(out, arg)
	}
	return out
}

// contextRoot is the directory a "/" defaultPath resolves to: the nearest
// directory above configDir (dagger.json's) that holds .git, or configDir
// itself when there is none (core/schema/modulesource.go in v0.21).
func contextRoot(configDir string) (string, error) {
	dir, err := filepath.Abs(configDir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return dir, nil
		}
	}
}

// argDir is where arg's defaultPath points: "/…" from the context root,
// anything else from configDir; outside the context is an error, as in the
// engine.
func argDir(root, configDir string, arg ContextArg) (string, error) {
	var dir string
	if strings.HasPrefix(arg.DefaultPath, "/") {
		dir = filepath.Join(root, arg.DefaultPath)
	} else {
		dir = filepath.Join(configDir, arg.DefaultPath)
	}
	rel, err := filepath.Rel(root, dir)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("+defaultPath %q of %s is outside of the context directory %s", arg.DefaultPath, arg.Name, root)
	}
	return dir, nil
}

// enginePatterns prepares +ignore patterns as the engine does before it
// hands them to patternmatcher (core/schema/host.go, directory): a pattern
// that is not a local path is dropped, each is cleaned (a trailing slash
// goes), and "." means everything.
func enginePatterns(ignore []string) []string {
	var out []string
	for _, p := range ignore {
		negate := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(p, "!")
		if !filepath.IsLocal(p) {
			continue
		}
		p = filepath.Join(".", p)
		if p == "." {
			p = "*"
		}
		if negate {
			p = "!" + p
		}
		out = append(out, p)
	}
	return out
}

// upload lists the files (slash paths relative to the uploaded directory)
// that the engine uploads for arg from the tree on disk: every file under
// the argument's directory that the +ignore patterns keep (partition).
func upload(configDir string, arg ContextArg) ([]string, error) {
	root, err := contextRoot(configDir)
	if err != nil {
		return nil, err
	}
	dir, err := argDir(root, configDir, arg)
	if err != nil {
		return nil, err
	}
	pm, err := patternmatcher.New(enginePatterns(arg.Ignore))
	if err != nil {
		return nil, fmt.Errorf("+ignore of %s: %w", arg.Name, err)
	}
	_, kept, err := partition(dir, pm) // the patterns say what to leave out
	return kept, err
}

// materialize copies files from src into dst, keeping modes.
func materialize(src string, files []string, dst string) error {
	for _, f := range files {
		from, to := filepath.Join(src, filepath.FromSlash(f)), filepath.Join(dst, filepath.FromSlash(f))
		fi, err := os.Lstat(from)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(from)
			if err != nil {
				return err
			}
			if err := os.Symlink(target, to); err != nil {
				return err
			}
			continue
		}
		data, err := os.ReadFile(from)
		if err != nil {
			return err
		}
		if err := os.WriteFile(to, data, fi.Mode().Perm()); err != nil {
			return err
		}
	}
	return nil
}

// proveUpload builds, vets and compiles the tests of the module's Go module
// (and, withRoot, of the root Go module too) inside an uploaded tree (dir),
// offline (GOPROXY=off: only what the upload
// holds and the module cache already has), with modcheck's stand-ins for
// the module's generated code, and returns the test binaries it compiled.
// The error carries the go command's output.
func proveUpload(ctx context.Context, dir, moduleSource string, withRoot bool) ([]string, error) {
	goCmd := func(where string, args ...string) error {
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = where
		cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod", "GOWORK=off")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			rel, _ := filepath.Rel(dir, where)
			return fmt.Errorf("in the uploaded tree, %s: go %s: %w\n%s", rel, strings.Join(args, " "), err, out.String())
		}
		return nil
	}
	modDir := filepath.Join(dir, moduleSource)
	if _, err := os.Stat(filepath.Join(modDir, "go.mod")); err != nil {
		return nil, fmt.Errorf("the upload holds no %s/go.mod: the module itself was not uploaded", moduleSource)
	}
	upstream, err := UpstreamDir(ctx, modDir)
	if err != nil {
		return nil, err
	}
	if err := generate(modDir, upstream); err != nil {
		return nil, err
	}
	bin, err := os.MkdirTemp("", "modcheck-tests-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(bin)
	var tests []string
	modules := []string{modDir}
	if withRoot {
		modules = []string{dir, modDir}
	}
	for i, where := range modules {
		if _, err := os.Stat(filepath.Join(where, "go.mod")); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := goCmd(where, "build", "./..."); err != nil {
			return nil, err
		}
		if err := goCmd(where, "vet", "./..."); err != nil {
			return nil, err
		}
		// Every test binary, linked (go vet only type-checks), in one go
		// command: the packages that have tests, into one directory.
		pkgs, err := goList(ctx, where, `{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}`)
		if err != nil {
			return nil, err
		}
		out := filepath.Join(bin, fmt.Sprint(i)) + string(filepath.Separator)
		if err := goCmd(where, append([]string{"test", "-c", "-o", out}, pkgs...)...); err != nil {
			return nil, err
		}
		tests = append(tests, pkgs...)
	}
	sort.Strings(tests)
	return tests, nil
}

// goList lists the packages of the module in dir, formatted with format
// (empty lines dropped).
func goList(ctx context.Context, dir, format string) ([]string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-f", format, "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go list in %s: %w\n%s", dir, err, out)
	}
	return strings.Fields(string(out)), nil
}

// UploadProof is what ProveUploadOf established.
type UploadProof struct {
	Files        int
	TestBinaries []string
}

// ProveUploadOf simulates the upload of arg from the checkout at root,
// refuses it when it holds a file that git ignores (a local world, a
// binary, a plan: what would bust the engine's cache and leak local state),
// materialises it in a temporary directory and proves it builds there
// (proveUpload).
func ProveUploadOf(ctx context.Context, root, moduleSource string, arg ContextArg) (UploadProof, error) {
	files, err := upload(root, arg)
	if err != nil {
		return UploadProof{}, err
	}
	dir, err := argDir(mustContextRoot(root), root, arg)
	if err != nil {
		return UploadProof{}, err
	}
	if ignored, err := gitIgnored(ctx, dir, files); err != nil {
		return UploadProof{}, err
	} else if len(ignored) > 0 {
		return UploadProof{}, fmt.Errorf("the upload of %s holds %d file(s) that .gitignore lists, e.g. %s: add them to its +ignore", arg.Name, len(ignored), strings.Join(ignored[:min(5, len(ignored))], ", "))
	}
	return proveCopy(ctx, dir, files, moduleSource, true)
}

// proveCopy copies files from src into a temporary directory and proves
// the copy there (proveUpload).
func proveCopy(ctx context.Context, src string, files []string, moduleSource string, withRoot bool) (UploadProof, error) {
	tmp, err := os.MkdirTemp("", "modcheck-")
	if err != nil {
		return UploadProof{}, err
	}
	defer os.RemoveAll(tmp)
	if err := materialize(src, files, tmp); err != nil {
		return UploadProof{}, err
	}
	tests, err := proveUpload(ctx, tmp, moduleSource, withRoot)
	if err != nil {
		return UploadProof{}, err
	}
	return UploadProof{Files: len(files), TestBinaries: tests}, nil
}

// partition splits the files under dir (slash paths relative to it) into
// those pm matches and the others, matched with moby/patternmatcher's
// MatchesUsingParentResults while walking depth first, as the engine's
// filesystem sync does: a directory's result carries to what is below it.
func partition(dir string, pm *patternmatcher.PatternMatcher) (matched, unmatched []string, err error) {
	infos := map[string]patternmatcher.MatchInfo{}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		match, info, err := pm.MatchesUsingParentResults(rel, infos[path.Dir(rel)])
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			infos[rel] = info // children are matched against their parent's results
		case match:
			matched = append(matched, rel)
		default:
			unmatched = append(unmatched, rel)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("walking %s: %w", dir, err)
	}
	sort.Strings(matched)
	sort.Strings(unmatched)
	return matched, unmatched, nil
}

func mustContextRoot(configDir string) string {
	root, err := contextRoot(configDir)
	if err != nil {
		return configDir
	}
	return root
}

// gitIgnored returns the files (relative to dir) that git ignores, or none
// when dir is not in a git work tree.
func gitIgnored(ctx context.Context, dir string, files []string) ([]string, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, nil
	}
	probe := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "--is-inside-work-tree")
	if out, err := probe.Output(); err != nil || strings.TrimSpace(string(out)) != "true" {
		return nil, nil
	}
	cmd := exec.CommandContext(ctx, "git", "-C", dir, "check-ignore", "--no-index", "--stdin")
	cmd.Stdin = strings.NewReader(strings.Join(files, "\n") + "\n")
	out, err := cmd.Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 {
		return nil, nil // none is ignored
	}
	if err != nil {
		return nil, fmt.Errorf("git check-ignore: %w", err)
	}
	return strings.Fields(string(out)), nil
}
