// Package tfmirror is the one definition of where this project finds the
// offline mirror of Terraform providers (a filesystem_mirror directory in
// terraform's unpacked layout that holds hashicorp/aws), and of the CLI
// configuration that installs providers from it and from nowhere else.
//
// The rule: $TF_PROVIDER_MIRROR when it is set, else the first of
// Candidates that holds hashicorp/aws. The shell scripts (.ci/setup, the
// terraform suite, the benchmarks) use the same rule from
// .ci/lib/tfmirror.sh; a test holds the two together.
//
// The package imports no test code on purpose: ci/localflow (the local
// flow, production code) and ci/tf/tftest (test helpers) both import it.
// Test helpers may build on production code, never the other way round, so
// the definition cannot live in tftest.
package tfmirror
