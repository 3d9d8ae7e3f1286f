// Command pipeline runs the steps of the deployment pipeline: terraform plan
// and apply, image promotion, SSM rollout and rollback, GitHub reporting.
// It is what CI runs; the whole flow on one machine is pipeline-local. Run it
// with --help for the list.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/gangway-dev/gangway/ci/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	wd, _ := os.Getwd() // "" falls back to "."
	code := cli.Main(ctx, os.Args[1:], cli.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Dir: wd})
	stop()
	os.Exit(code)
}
