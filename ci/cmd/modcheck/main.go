// Command modcheck type-checks the Dagger module in ci/ without a Dagger
// engine: it generates throw-away stand-ins for Dagger's generated code
// (aliases of the pinned dagger.io/dagger), runs `go vet` on the module and
// removes the stand-ins. Real generated code (from `dagger develop`) is never
// touched; when present, the module is vetted against it instead.
//
//	go -C ci run ./cmd/modcheck [-dir .] [-keep]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/gangway-dev/gangway/ci/modcheck"
)

func main() {
	dir := flag.String("dir", ".", "the Dagger module's directory (holding go.mod and the module's package main)")
	keep := flag.Bool("keep", false, "leave the generated stand-ins in place (they are gitignored), e.g. for an editor")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := modcheck.Run(ctx, *dir, *keep)
	if res.VetOutput != "" && err == nil {
		fmt.Fprint(os.Stderr, res.VetOutput)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "modcheck: %v\n", err)
		os.Exit(1)
	}
	how := "against modcheck's stand-ins for Dagger's generated code"
	if res.State == modcheck.Real {
		how = "against the real Dagger generated code already present"
	}
	fmt.Fprintf(os.Stderr, "modcheck: go vet of the Dagger module passed, %s\n", how)
}
