package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Commands read standard input from IO, never from the process: `gha tests
// --input -` reads `go test -json` output from IO.Stdin.
func TestGhaReadsItsInputFromIOStdin(t *testing.T) {
	t.Parallel()
	stream := `{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"fail","Package":"p","Test":"TestA","Elapsed":0.1}
`
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"gha", "tests", "--input", "-"}, IO{
		Stdin: strings.NewReader(stream), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(string) string { return "" },
	})
	if code != ExitOK || !strings.Contains(stdout.String(), `"published": false`) || !strings.Contains(stdout.String(), `"errors": 1`) {
		t.Fatalf("exit %d, stdout %s, stderr %s; want the failed TestA read from stdin", code, stdout.String(), stderr.String())
	}
}

// Commands find the repository from IO.Dir, never from the process's
// working directory (which here is inside this repository, terraform/
// and all): a plan without --dir run from another checkout looks for
// that checkout's terraform/.
func TestCommandsFindTheRepositoryFromIODir(t *testing.T) {
	t.Parallel()
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "dagger.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"plan", "--env", "test"}, IO{
		Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }, Dir: other,
	})
	want := filepath.Join(other, "terraform") + " not found"
	if code != ExitUsage || !strings.Contains(stderr.String(), want) {
		t.Fatalf("exit %d, stderr %s; want a usage error naming %s", code, stderr.String(), want)
	}
}
