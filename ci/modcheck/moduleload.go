package modcheck

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/moby/patternmatcher"
)

// moduleLoadPatterns are the include patterns with which the engine loads
// a local module's own source from its context directory
// (core/schema/modulesource.go, loadModuleSourceContext, in v0.21):
// dagger.json, the source directory, and dagger.json's include patterns
// rebased from dagger.json's directory onto the context root.
func moduleLoadPatterns(configRel string, cfg Config) ([]string, error) {
	source := filepath.Join(configRel, cfg.Source)
	if source == "." {
		source = "*" // "." would match nothing
	}
	patterns := []string{filepath.Join(configRel, "dagger.json"), source}
	for _, p := range cfg.Include {
		negate := strings.HasPrefix(p, "!")
		p = filepath.Join(configRel, strings.TrimPrefix(p, "!"))
		if !filepath.IsLocal(p) { // as the engine's rebasePatterns refuses it
			return nil, fmt.Errorf("dagger.json's include %q points outside the context directory", p)
		}
		if negate {
			p = "!" + p
		}
		patterns = append(patterns, p)
	}
	return patterns, nil
}

// moduleLoad lists the files (slash paths relative to the context root)
// that the engine loads as the module's own source, leaving out what git
// ignores, as the engine's host directory load with gitignore does.
func moduleLoad(ctx context.Context, root, configDir string, cfg Config) ([]string, error) {
	configRel, err := filepath.Rel(root, configDir)
	if err != nil {
		return nil, err
	}
	patterns, err := moduleLoadPatterns(configRel, cfg)
	if err != nil {
		return nil, err
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return nil, fmt.Errorf("dagger.json's include: %w", err)
	}
	files, _, err := partition(root, pm)
	if err != nil {
		return nil, err
	}
	ignored, err := gitIgnored(ctx, root, files)
	if err != nil {
		return nil, err
	}
	skip := map[string]bool{}
	for _, f := range ignored {
		skip[f] = true
	}
	kept := files[:0]
	for _, f := range files {
		if !skip[f] && !strings.HasPrefix(f, ".git/") {
			kept = append(kept, f)
		}
	}
	return kept, nil
}

// ProveModuleLoad materialises what the engine loads as the module's own
// source (moduleLoad, with cfg's include) in a temporary directory and
// proves that the module builds there offline (proveUpload; the engine
// builds nothing else of it): a local replace
// directive in the module's go.mod that points at a directory the load
// leaves out fails here, as the engine's codegen would fail on it.
func ProveModuleLoad(ctx context.Context, configDir string, cfg Config) (UploadProof, error) {
	configDir, err := filepath.Abs(configDir)
	if err != nil {
		return UploadProof{}, err
	}
	root, err := contextRoot(configDir)
	if err != nil {
		return UploadProof{}, err
	}
	files, err := moduleLoad(ctx, root, configDir, cfg)
	if err != nil {
		return UploadProof{}, err
	}
	configRel, _ := filepath.Rel(root, configDir)
	proof, err := proveCopy(ctx, root, files, filepath.Join(configRel, cfg.Source), false)
	if err != nil {
		return UploadProof{}, fmt.Errorf("the module's own source, as the engine loads it (dagger.json, %s/ and its include %q): %w", cfg.Source, cfg.Include, err)
	}
	return proof, nil
}
