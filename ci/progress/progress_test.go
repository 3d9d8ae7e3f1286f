package progress

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/gangway-dev/gangway/internal/components"
)

// TestPlainLines: off a terminal every stage is two appended lines, with
// no escape codes and no carriage returns.
func TestPlainLines(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	c := New(&out, false)
	s := c.Start("deploy-test")
	s.Status("not shown off a terminal")
	s.Done("passed", "deployed sha256:abc\nsecond line")
	c.Printf("logs: %s", "/tmp/logs")
	c.Start("integration-tests").Done("failed", "2 failed")
	got := out.String()
	want := regexp.MustCompile(`^\d\d:\d\d:\d\d  deploy-test \.\.\.\n` +
		`\d\d:\d\d:\d\d  ✅ deploy-test passed \(0:00\): deployed sha256:abc\n` +
		`logs: /tmp/logs\n` +
		`\d\d:\d\d:\d\d  integration-tests \.\.\.\n` +
		`\d\d:\d\d:\d\d  ❌ integration-tests failed \(0:00\): 2 failed\n$`)
	if !want.MatchString(got) {
		t.Errorf("output:\n%s", got)
	}
	if strings.ContainsAny(got, "\r\x1b") {
		t.Errorf("escape codes off a terminal: %q", got)
	}
}

// TestTerminalRedrawsInPlace runs the console on a pseudo-terminal: the
// running line is redrawn (cursor up, erase) with a spinner, its elapsed
// time and status, and ends as one final line; a plain stage (a prompt)
// is never redrawn.
func TestTerminalRedrawsInPlace(t *testing.T) {
	t.Parallel()
	ptmx, tty, err := pty.Open()
	if err != nil {
		components.Need(t, "a pseudo-terminal", fmt.Errorf("%w: %w", components.ErrMissing, err))
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 30, Cols: 100}); err != nil {
		t.Fatal(err)
	}
	read := make(chan string)
	go func() {
		b, _ := io.ReadAll(ptmx)
		read <- string(b)
	}()
	c := New(tty, true)
	s := c.Start("deploy-test")
	time.Sleep(400 * time.Millisecond)
	s.Status("terraform apply")
	time.Sleep(400 * time.Millisecond)
	s.Done("passed", "deployed")
	p := c.StartPlain("approval")
	p.Done("passed", "approved")
	tty.Close()
	var got string
	select {
	case got = <-read:
	case <-time.After(5 * time.Second):
		t.Fatal("no output from the pseudo-terminal")
	}
	if n := strings.Count(got, "\x1b[1A\x1b[J"); n < 3 {
		t.Errorf("the running line was redrawn %d times, want several:\n%q", n, got)
	}
	for _, want := range []string{"⠋", "deploy-test  0:00", "terraform apply", "approval ...", "✅ approval passed"} {
		if !strings.Contains(got, want) {
			t.Errorf("terminal output lacks %q:\n%q", want, got)
		}
	}
	if !regexp.MustCompile(`✅ deploy-test passed \(0:\d\d\): deployed`).MatchString(got) {
		t.Errorf("no final line for deploy-test:\n%q", got)
	}
	i := strings.Index(got, "approval ...")
	if i < 0 {
		t.Fatalf("no line for the approval stage:\n%q", got)
	}
	after := got[i:]
	if strings.Contains(after, "\x1b[1A") {
		t.Errorf("the plain stage was redrawn: %q", after)
	}
}
