package localflow

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// ErrApprovalRequired is returned when production needs an approval that
// was not given: not --approve, and no terminal to ask on.
var ErrApprovalRequired = errors.New("production deploy needs an approval: `pipeline-local --approve` continues from here (or run it on a terminal to be asked)")

// ErrRejected is returned when the person at the terminal declined.
var ErrRejected = errors.New("production deploy rejected at the approval prompt")

// Approver decides whether production may be deployed, like a required
// reviewer on the GitHub environment "production".
type Approver struct {
	// Approved is --approve: the run was approved in advance.
	Approved bool
	// In and Out are the terminal to ask on; In must be a terminal for a
	// prompt to be shown.
	In  *os.File
	Out io.Writer
}

// Approve returns nil when the deploy of image is approved.
func (a Approver) Approve(image string) error {
	if a.Approved {
		fmt.Fprintf(a.Out, "approval: given in advance (--approve) for %s\n", image)
		return nil
	}
	if a.In == nil || !isTerminal(a.In) {
		return ErrApprovalRequired
	}
	fmt.Fprintf(a.Out, "\nDeploy %s to production? Type \"approve\" to continue: ", image)
	line, err := bufio.NewReader(a.In).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading the approval: %w", err)
	}
	if strings.TrimSpace(line) != "approve" {
		return ErrRejected
	}
	return nil
}

// isTerminal reports whether f is a terminal (not merely a character
// device: /dev/null is one too, and CI runs with it as standard input).
func isTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd()))
}
