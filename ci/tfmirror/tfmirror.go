package tfmirror

import (
	"fmt"
	"path/filepath"
)

// EnvVar names a mirror directory explicitly; it wins over Candidates.
const EnvVar = "TF_PROVIDER_MIRROR"

// Candidates returns the directories searched, in this order, when EnvVar
// is not set: where this project's machines ship the mirror, then
// terraform's own system-wide plugin directories.
func Candidates() []string {
	return []string{"/opt/tf-plugins", "/usr/share/terraform/plugins", "/usr/local/share/terraform/plugins"}
}

// Dir returns the mirror directory: getenv(EnvVar) when it is not empty,
// as given (whether it holds the provider is for the caller to check, with
// HasAWS), else the first of Candidates that holds hashicorp/aws. "" means
// there is no mirror.
func Dir(getenv func(string) string) string {
	return find(getenv(EnvVar), Candidates())
}

func find(explicit string, candidates []string) string {
	if explicit != "" {
		return explicit
	}
	for _, dir := range candidates {
		if HasAWS(dir) {
			return dir
		}
	}
	return ""
}

// HasAWS reports whether dir holds the hashicorp/aws provider: at least
// one version for one platform
// (registry.terraform.io/hashicorp/aws/VERSION/OS_ARCH).
func HasAWS(dir string) bool {
	matches, _ := filepath.Glob(filepath.Join(dir, "registry.terraform.io", "hashicorp", "aws", "*", "*"))
	return len(matches) > 0
}

// CLIConfig returns a terraform CLI configuration (the file
// TF_CLI_CONFIG_FILE names) that installs every provider from mirror only.
func CLIConfig(mirror string) string {
	return fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path = %q\n  }\n}\n", mirror)
}
