// Package cli is the pipeline command line: one subcommand per pipeline step.
//
// Conventions every subcommand follows:
//   - machine-readable results go to stdout as one JSON document;
//   - human-readable progress and errors go to stderr;
//   - exit code 0 is success, 1 a failed step, 2 bad usage or bad input
//     (reported before any side effect).
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Exit codes returned by Main.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// IO is what a subcommand may touch of its process: its standard streams
// and its environment. Commands use nothing else of the process, so tests
// build one with buffers and a map.
type IO struct {
	Stdin  io.Reader // nil reads as empty
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Dir is the working directory: where a command that is given no
	// --dir looks for the repository root. "" is the process's own.
	Dir string
	// Log writes human progress to Stderr; Main sets it.
	Log *slog.Logger
}

// command is one subcommand.
type command struct {
	name    string
	summary string // one line, shown by --help
	// flags makes the command's flags afresh, so no Main call sees another's.
	flags func() commandFlags
}

// commandFlags is a subcommand's flags and its work: register declares the
// flags, run does the work once they are parsed.
type commandFlags interface {
	register(fs *flag.FlagSet)
	run(ctx context.Context, sys IO) error
}

// positional is flags that take arguments after them, set by Main before
// run; Main refuses arguments to a command whose flags are not positional.
type positional interface {
	setArgs(args []string)
}

// commands lists every subcommand. Keep it sorted by pipeline order.
func commands() []command {
	return []command{
		bootstrapCommand(),
		planCommand(),
		fetchPlanCommand(),
		applyCommand(),
		outputsCommand(),
		ecrLoginCommand(),
		attestCommand(),
		verifyTestedCommand(),
		promoteCommand(),
		rolloutCommand(),
		rollbackCommand(),
		driftCommand(),
		historyCommand(),
		statusCommand(),
		logsCommand(),
		ghaCommand(),
	}
}

// UsageError marks bad input: Main exits with ExitUsage for it.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// usagef returns a *UsageError with a formatted message.
func usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// Main runs the subcommand named by args[0] with sys and returns the exit
// code.
func Main(ctx context.Context, args []string, sys IO) int {
	if sys.Stdin == nil {
		sys.Stdin = strings.NewReader("")
	}
	stderr := sys.Stderr
	sys.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stderr, cmds)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	for _, c := range cmds {
		if c.name != args[0] {
			continue
		}
		fs := flag.NewFlagSet("pipeline "+c.name, flag.ContinueOnError)
		fs.SetOutput(stderr)
		f := c.flags()
		f.register(fs)
		fs.Usage = func() {
			fmt.Fprintf(stderr, "pipeline %s: %s\n\nFlags:\n", c.name, c.summary)
			fs.PrintDefaults()
		}
		if err := fs.Parse(args[1:]); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return ExitOK
			}
			return ExitUsage
		}
		if p, ok := f.(positional); ok {
			p.setArgs(fs.Args())
		} else if fs.NArg() > 0 {
			fmt.Fprintf(stderr, "pipeline %s: unexpected arguments: %s\n", c.name, strings.Join(fs.Args(), " "))
			return ExitUsage
		}
		if err := f.run(ctx, sys); err != nil {
			fmt.Fprintf(stderr, "pipeline %s: %v\n", c.name, err)
			var ue *UsageError
			if errors.As(err, &ue) {
				return ExitUsage
			}
			return ExitFailure
		}
		return ExitOK
	}
	fmt.Fprintf(stderr, "pipeline: unknown command %q\n\n", args[0])
	printUsage(stderr, cmds)
	return ExitUsage
}

func printUsage(w io.Writer, cmds []command) {
	fmt.Fprintln(w, "pipeline: every step of the deployment pipeline, as a subcommand.")
	fmt.Fprintln(w, "\nUsage: pipeline <command> [flags]   (pipeline <command> --help for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	width := 0
	for _, c := range cmds {
		width = max(width, len(c.name))
	}
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.name, c.summary)
	}
}

// writeJSON writes v to w as indented JSON followed by a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
