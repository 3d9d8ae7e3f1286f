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
		flags:   func() commandFlags { return &logsFlags{} },
	}
}

// logsFlags are logs' flags.
type logsFlags struct {
	tfFlags
	group  string
	since  time.Duration
	follow bool
	filter string
	limit  int
}

func (f *logsFlags) register(fs *flag.FlagSet) {
	f.tfFlags.register(fs)
	fs.StringVar(&f.group, "log-group", "", "CloudWatch log group (default: the environment's terraform output log_group_name)")
	fs.DurationVar(&f.since, "since", 10*time.Minute, "how far back to start")
	fs.BoolVar(&f.follow, "follow", false, "keep reading new lines until interrupted")
	fs.StringVar(&f.filter, "filter", "", "CloudWatch Logs filter pattern, e.g. ERROR or '\"GET /db\"'")
	fs.IntVar(&f.limit, "limit", 1000, "print at most the last N lines (0 for all); --follow prints every line")
}

func (f *logsFlags) run(ctx context.Context, sys IO) error {
	if f.since <= 0 {
		return usagef("--since must be a positive duration, such as 10m or 2h")
	}
	if f.limit < 0 {
		return usagef("--limit must not be negative")
	}
	var api *cloudwatchlogs.Client
	if f.group == "" {
		// The group the environment's configuration made: the outputs
		// contract names it.
		outs, sess, err := f.outputs(ctx, sys)
		if err != nil {
			return err
		}
		f.group, api = outs.LogGroupName, cloudwatchlogs.NewFromConfig(sess.cfg)
	} else {
		sess, err := connectAWS(ctx, sys, f.aws)
		if err != nil {
			return err
		}
		api = cloudwatchlogs.NewFromConfig(sess.cfg)
	}
	reader := applogs.Reader{API: api, Group: f.group, Filter: f.filter}
	start := time.Now().Add(-f.since)
	if f.follow {
		sys.Log.Info("following", "group", f.group, "since", start.UTC().Format(time.RFC3339))
		return reader.Follow(ctx, start, followInterval, func(e applogs.Event) error {
			_, err := fmt.Fprintln(sys.Stdout, e)
			return err
		})
	}
	events, cut, err := reader.Read(ctx, start, time.Now(), f.limit)
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
		sys.Log.Info("no log lines in the window", "group", f.group, "since", start.UTC().Format(time.RFC3339))
	}
	for _, e := range events {
		if _, err := fmt.Fprintln(sys.Stdout, e); err != nil {
			return err
		}
	}
	return nil
}
