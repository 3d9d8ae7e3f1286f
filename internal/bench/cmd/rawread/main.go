// Command rawread is the /db/read comparator of .ci/bench/app.sh: a bare
// net/http server answering GET /db/read?limit=N with a raw pgx query loop
// over the service's table, in the service's JSON shape.
//
//	DATABASE_URL=postgres://… rawread -addr 127.0.0.1:0 -url-file /tmp/url
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gangway-dev/gangway/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "rawread: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	flags := flag.NewFlagSet(args[0], flag.ContinueOnError)
	flags.SetOutput(stderr)
	addr := flags.String("addr", "127.0.0.1:0", "listen address (port 0: a free one)")
	urlFile := flags.String("url-file", "", "write the base URL to this file once listening")
	maxConns := flags.Int("max-conns", 10, "pool size (the service's DB_MAX_CONNS default)")
	if err := flags.Parse(args[1:]); err != nil {
		return err
	}
	dsn := getenv("DATABASE_URL")
	if dsn == "" {
		return errors.New("DATABASE_URL is not set")
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return errors.New("DATABASE_URL is not a valid connection string")
	}
	cfg.MaxConns = int32(*maxConns)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("creating the pool: %w", err)
	}
	defer pool.Close()
	if err := pool.Ping(ctx); err != nil {
		return fmt.Errorf("connecting to the database: %w", err)
	}
	return bench.Serve(ctx, *addr, *urlFile, bench.ReadHandler(pool), stderr)
}
