package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/gangway-dev/gangway/ci/applogs"
)

// followInterval is how often `logs --follow` reads again.
const followInterval = 2 * time.Second

func logsCommand() command {
	return command{
		name:    "logs",
		summary: "the service's container logs from the environment's CloudWatch log group, one line each (--follow keeps reading)",
		setup: func(fs *flag.FlagSet) func(context.Context, IO) error {
			var f tfFlags
			f.register(fs)
			group := fs.String("log-group", "", "CloudWatch log group (default: the environment's terraform output log_group_name)")
			since := fs.Duration("since", 10*time.Minute, "how far back to start")
			follow := fs.Bool("follow", false, "keep reading new lines until interrupted")
			filter := fs.String("filter", "", "CloudWatch Logs filter pattern, e.g. ERROR or '\"GET /db\"'")
			limit := fs.Int("limit", 1000, "print at most the last N lines (0 for all); --follow prints every line")
			return func(ctx context.Context, sys IO) error {
				if *since <= 0 {
					return usagef("--since must be a positive duration, such as 10m or 2h")
				}
				if *limit < 0 {
					return usagef("--limit must not be negative")
				}
				var api *cloudwatchlogs.Client
				if *group == "" {
					// The group the environment's configuration made: the
					// outputs contract names it.
					outs, sess, err := f.outputs(ctx, sys)
					if err != nil {
						return err
					}
					*group, api = outs.LogGroupName, cloudwatchlogs.NewFromConfig(sess.cfg)
				} else {
					sess, err := connectAWS(ctx, sys, f.aws)
					if err != nil {
						return err
					}
					api = cloudwatchlogs.NewFromConfig(sess.cfg)
				}
				reader := applogs.Reader{API: api, Group: *group, Filter: *filter}
				start := time.Now().Add(-*since)
				if *follow {
					sys.Log.Info("following", "group", *group, "since", start.UTC().Format(time.RFC3339))
					return reader.Follow(ctx, start, followInterval, func(e applogs.Event) error {
						_, err := fmt.Fprintln(sys.Stdout, e)
						return err
					})
				}
				events, cut, err := reader.Read(ctx, start, time.Now(), *limit)
				if errors.Is(err, applogs.ErrNoLogGroup) {
					return &UsageError{Err: err}
				}
				if err != nil {
					return err
				}
				if cut {
					sys.Log.Info("older lines left out: raise --limit or narrow --since", "shown", len(events))
				}
				if len(events) == 0 {
					sys.Log.Info("no log lines in the window", "group", *group, "since", start.UTC().Format(time.RFC3339))
				}
				for _, e := range events {
					if _, err := fmt.Fprintln(sys.Stdout, e); err != nil {
						return err
					}
				}
				return nil
			}
		},
	}
}
