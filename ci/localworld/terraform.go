package localworld

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// CopyBootstrap copies terraform/bootstrap's configuration and lock file,
// and the local modules it calls (../modules), from tfRoot into dst, so
// that applying it writes nothing into the checkout, and returns the
// copy's configuration directory (dst/bootstrap).
func CopyBootstrap(tfRoot, dst string) (string, error) {
	files, err := filepath.Glob(filepath.Join(tfRoot, "bootstrap", "*.tf"))
	if err != nil {
		return "", err
	}
	if len(files) == 0 {
		return "", fmt.Errorf("no terraform files in %s", filepath.Join(tfRoot, "bootstrap"))
	}
	modules, _ := filepath.Glob(filepath.Join(tfRoot, "modules", "*", "*.tf"))
	files = append(append(files, filepath.Join(tfRoot, "bootstrap", ".terraform.lock.hcl")), modules...)
	for _, src := range files {
		rel, err := filepath.Rel(tfRoot, src)
		if err != nil || strings.HasPrefix(rel, "..") {
			return "", fmt.Errorf("%s is outside %s", src, tfRoot)
		}
		data, err := os.ReadFile(src)
		if err != nil {
			return "", err
		}
		target := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(target, data, 0o644); err != nil {
			return "", err
		}
	}
	return filepath.Join(dst, "bootstrap"), nil
}
