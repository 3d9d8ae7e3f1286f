// Command pipeline-local runs the whole flow on this machine against the
// local world: preview, test deploy, integration gate, approval, prod
// deploy. Run it with --help for its flags.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/gangway-dev/gangway/ci/localcli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := localcli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
