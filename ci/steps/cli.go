package steps

import (
	"github.com/gangway-dev/gangway/ci/envname"
)

// CLI is where the module installs the pipeline CLI inside its containers.
const CLI = "/usr/local/bin/pipeline"

// TerraformDir is the terraform configuration's directory, relative to the
// working directory in which the module runs the CLI (the repository root).
const TerraformDir = "terraform"

// PlanArgs is `pipeline plan`: a saved plan at out and its Markdown summary
// at summary, for env.
func PlanArgs(env, out, summary string) ([]string, error) {
	if err := envname.Validate(env); err != nil {
		return nil, err
	}
	return []string{CLI, "plan", "--env", env, "--dir", TerraformDir, "--out", out, "--summary-md", summary}, nil
}

// ApplyArgs is `pipeline apply` for env; planFile, when not empty, is the
// saved plan to apply (the CLI refuses a plan made from another state).
func ApplyArgs(env, planFile string) ([]string, error) {
	if err := envname.Validate(env); err != nil {
		return nil, err
	}
	args := []string{CLI, "apply", "--env", env, "--dir", TerraformDir}
	if planFile != "" {
		args = append(args, "--plan", planFile)
	}
	return args, nil
}

// OutputsArgs is `pipeline outputs`: env's terraform outputs as JSON.
func OutputsArgs(env string) ([]string, error) {
	if err := envname.Validate(env); err != nil {
		return nil, err
	}
	return []string{CLI, "outputs", "--env", env, "--dir", TerraformDir}, nil
}

// PromoteArgs is `pipeline promote`: copy image (a digest reference in the
// test repository) to the prod repository without rebuilding it.
func PromoteArgs(image string) ([]string, error) {
	if _, err := ParseDigestRef(image); err != nil {
		return nil, err
	}
	return []string{CLI, "promote", "--from", "test", "--to", "prod", "--image", image}, nil
}

// RolloutArgs is `pipeline rollout`: run image (a digest reference) on env's
// hosts through SSM, behind the health gate.
func RolloutArgs(env, image string) ([]string, error) {
	if err := envname.Validate(env); err != nil {
		return nil, err
	}
	if _, err := ParseDigestRef(image); err != nil {
		return nil, err
	}
	return []string{CLI, "rollout", "--env", env, "--image", image}, nil
}

// RollbackArgs is `pipeline rollback`: switch env back to its previous slot.
func RollbackArgs(env string) ([]string, error) {
	if err := envname.Validate(env); err != nil {
		return nil, err
	}
	return []string{CLI, "rollback", "--env", env}, nil
}

// SuitePackage is the integration suite's import path, as its report names it.
const SuitePackage = "github.com/gangway-dev/gangway/tests"

// SuiteArgs runs the compiled integration suite at binary under test2json,
// so that its stdout is the same event stream as `go test -json` (needs a Go
// toolchain for `go tool test2json`).
func SuiteArgs(binary string) []string {
	return []string{"go", "tool", "test2json", "-t", "-p", SuitePackage, binary, "-test.v=test2json", "-test.count=1"}
}
