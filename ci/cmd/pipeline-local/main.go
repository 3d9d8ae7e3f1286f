// Command pipeline-local runs the whole flow on this machine against the
// local world: preview, test deploy, integration gate, approval, prod
// deploy. Run it with --help for its flags.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/gangway-dev/gangway/ci/cli"
	"github.com/gangway-dev/gangway/ci/localcli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	wd, _ := os.Getwd() // "" falls back to "."
	code := localcli.Main(ctx, os.Args[1:], os.Stdin, cli.IO{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Dir: wd})
	stop()
	os.Exit(code)
}
