package cli

import (
	"bytes"
	"context"
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
