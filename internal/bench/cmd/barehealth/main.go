// Command barehealth is the /health comparator of .ci/bench/app.sh: a bare
// net/http server answering GET /health with the service's JSON body.
//
//	barehealth -addr 127.0.0.1:0 -url-file /tmp/url -version bench
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/gangway-dev/gangway/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "barehealth: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	flags := flag.NewFlagSet(args[0], flag.ContinueOnError)
	flags.SetOutput(stderr)
	addr := flags.String("addr", "127.0.0.1:0", "listen address (port 0: a free one)")
	urlFile := flags.String("url-file", "", "write the base URL to this file once listening")
	version := flags.String("version", "dev", "the version /health reports (the service's APP_VERSION)")
	if err := flags.Parse(args[1:]); err != nil {
		return err
	}
	return bench.Serve(ctx, *addr, *urlFile, bench.HealthHandler(*version), stderr)
}
