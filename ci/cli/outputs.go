package cli

import "context"

func outputsCommand() command {
	return command{
		name:    "outputs",
		summary: "the environment's terraform outputs contract as JSON",
		flags:   func() commandFlags { return &outputsFlags{} },
	}
}

// outputsFlags are outputs' flags: tfFlags alone (its register).
type outputsFlags struct {
	tfFlags
}

func (f *outputsFlags) run(ctx context.Context, sys IO) error {
	outs, _, err := f.outputs(ctx, sys)
	if err != nil {
		return err
	}
	return writeJSON(sys.Stdout, outs)
}
