package cli

import (
	"context"
	"flag"
)

func outputsCommand() command {
	return command{
		name:    "outputs",
		summary: "the environment's terraform outputs contract as JSON",
		setup: func(fs *flag.FlagSet) func(context.Context, IO) error {
			var f tfFlags
			f.register(fs)
			return func(ctx context.Context, sys IO) error {
				outs, _, err := f.outputs(ctx, sys)
				if err != nil {
					return err
				}
				return writeJSON(sys.Stdout, outs)
			}
		},
	}
}
