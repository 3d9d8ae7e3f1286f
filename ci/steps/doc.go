// Package steps builds every pipeline CLI command line that the Dagger
// module and the local flow run, one function per subcommand, so that flags
// are reconciled in one place and asserted by table tests (and against the
// real CLI) without a Dagger engine. It also names the few facts both paths
// share about the image: its recipe, its platform and its tag.
package steps
