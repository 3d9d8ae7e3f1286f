// Package steps holds the pure logic of the Dagger module (the ci package
// main): the pipeline CLI command lines it runs, the checks on its inputs
// (environment names, image references) and the parsing of what the CLI and
// the integration suite print.
//
// Every pipeline CLI invocation of the module is built here, one function per
// subcommand, so that flags are reconciled in one place and asserted by table
// tests without a Dagger engine.
package steps
