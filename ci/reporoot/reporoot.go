// Package reporoot finds the repository a command runs in: the directory
// holding dagger.json (the project's marker, beside go.mod and the
// workflows), or else .git.
package reporoot

import (
	"errors"
	"os"
	"path/filepath"
)

// Find walks up from dir to the first directory holding dagger.json or
// .git, dagger.json winning where both are found on the way.
func Find(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	gitRoot := ""
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "dagger.json")); err == nil {
			return d, nil
		}
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil && gitRoot == "" {
			gitRoot = d
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	if gitRoot != "" {
		return gitRoot, nil
	}
	return "", errors.New("no repository root (dagger.json or .git) above " + dir + ": run from a checkout of the repository")
}
