// Command modcheck proves offline, as far as an engine's rules can be
// replayed without one, how Dagger loads the module in ci/:
//
//  1. vet: the module compiles and vets against throw-away stand-ins for
//     Dagger's generated code (aliases of the pinned dagger.io/dagger);
//
//  2. lint: every function, argument, field and pragma passes the v0.21 Go
//     SDK codegen's rules, with CLI names derived as the engine derives them,
//     and the Go release is named once (go.mod toolchain lines, images) with
//     the module's go line within what the codegen accepts;
//
//  3. calls: every `dagger` command in the workflows, the GitLab pipeline and
//     the Markdown documents resolves against the module and the core API;
//
//  4. upload: the constructor's +defaultPath/+ignore applied with the
//     engine's own matcher (moby/patternmatcher) to this checkout uploads no
//     file that git ignores, and the uploaded tree alone builds, vets and
//     compiles the tests of both Go modules with the module proxy off.
//
//     go -C ci run ./cmd/modcheck [-root ..] [-keep] [-only vet,lint,calls,upload]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/gangway-dev/gangway/ci/modcheck"
)

func main() {
	root := flag.String("root", "..", "the repository root (holding dagger.json)")
	keep := flag.Bool("keep", false, "leave the generated stand-ins in the module directory (they are gitignored), e.g. for an editor")
	only := flag.String("only", "vet,lint,calls,upload", "the checks to run, comma-separated")
	table := flag.Bool("table", false, "print the module's functions as dagger call sees them")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	failed := false
	for _, check := range strings.Split(*only, ",") {
		var err error
		switch check {
		case "vet":
			err = vet(ctx, *root, *keep)
		case "lint":
			err = lint(*root, *table)
		case "calls":
			err = calls(ctx, *root)
		case "upload":
			err = upload(ctx, *root)
		default:
			err = fmt.Errorf("unknown check %q (vet, lint, calls, upload)", check)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "modcheck %s: FAIL\n%v\n", check, err)
			failed = true
		}
	}
	stop()
	if failed {
		os.Exit(1)
	}
}

func moduleDir(root string) (string, error) {
	cfg, err := modcheck.ReadConfig(root)
	if err != nil {
		return "", err
	}
	return filepath.Join(root, cfg.Source), nil
}

func vet(ctx context.Context, root string, keep bool) error {
	dir, err := moduleDir(root)
	if err != nil {
		return err
	}
	res, err := modcheck.Run(ctx, dir, keep)
	if err != nil {
		return err
	}
	how := "against modcheck's stand-ins for Dagger's generated code"
	if res.State == modcheck.Real {
		how = "against the real Dagger generated code already present"
	}
	fmt.Fprintf(os.Stderr, "modcheck vet: go vet of the Dagger module passed, %s\n", how)
	return nil
}

func lint(root string, table bool) error {
	m, err := modcheck.ParseModule(root)
	if err != nil {
		return err
	}
	if table {
		fmt.Print(m.Table())
	}
	var problems []string
	for _, p := range modcheck.Lint(m) {
		problems = append(problems, p.String())
	}
	goFiles, err := modcheck.ReadGoFiles(root)
	if err != nil {
		return err
	}
	problems = append(problems, modcheck.CheckGoVersions(goFiles)...)
	if ps := problems; len(ps) > 0 {
		var b strings.Builder
		for _, p := range ps {
			fmt.Fprintf(&b, "  %s\n", p)
		}
		return fmt.Errorf("%d problem(s) the engine would refuse or that mislead users:\n%s", len(ps), b.String())
	}
	n := 0
	for _, o := range m.Objects {
		n += len(o.Functions)
	}
	fmt.Fprintf(os.Stderr, "modcheck lint: %d objects, %d functions and fields pass the v0.21 codegen rules\n", len(m.Objects), n)
	return nil
}

func calls(ctx context.Context, root string) error {
	m, err := modcheck.ParseModule(root)
	if err != nil {
		return err
	}
	dir, err := moduleDir(root)
	if err != nil {
		return err
	}
	upstream, err := modcheck.UpstreamDir(ctx, dir)
	if err != nil {
		return err
	}
	core, err := modcheck.CoreAPI(upstream)
	if err != nil {
		return err
	}
	found, err := modcheck.CallsInRepo(root)
	if err != nil {
		return err
	}
	var bad []string
	for _, c := range found {
		if err := modcheck.CheckCall(m, core, c); err != nil {
			bad = append(bad, "  "+err.Error())
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%d of %d dagger commands do not resolve:\n%s", len(bad), len(found), strings.Join(bad, "\n"))
	}
	fmt.Fprintf(os.Stderr, "modcheck calls: all %d dagger commands in the workflows and documents resolve\n", len(found))
	return nil
}

func upload(ctx context.Context, root string) error {
	m, err := modcheck.ParseModule(root)
	if err != nil {
		return err
	}
	cfg, err := modcheck.ReadConfig(root)
	if err != nil {
		return err
	}
	args := m.ContextArgs()
	if len(args) == 0 {
		return fmt.Errorf("the constructor has no +defaultPath Directory argument: nothing is uploaded")
	}
	for _, arg := range args {
		proof, err := modcheck.ProveUploadOf(ctx, root, cfg.Source, arg)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "modcheck upload: --%s uploads %d files (no git-ignored one); they alone build, vet and compile %d test binaries with GOPROXY=off\n",
			modcheck.CLIName(arg.Name), proof.Files, len(proof.TestBinaries))
	}
	proof, err := modcheck.ProveModuleLoad(ctx, root, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "modcheck upload: the module's own source loads %d files (dagger.json, %s/ and its include); they alone build, vet and compile %d test binaries with GOPROXY=off\n",
		proof.Files, cfg.Source, len(proof.TestBinaries))
	return nil
}
