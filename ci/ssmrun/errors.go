package ssmrun

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gangway-dev/gangway/ci/hostresult"
)

// Pre-flight errors: nothing was sent.
var (
	ErrNoTargets     = errors.New("no instance matches the targets")
	ErrNotRegistered = errors.New("instance not registered with SSM")
	ErrOffline       = errors.New("instance not Online in SSM")
)

// Invocation outcomes, one per terminal status of a command on an instance.
// An *InvocationError wraps exactly one of them.
var (
	ErrFailed            = errors.New("the script failed")
	ErrExecutionTimedOut = errors.New("the script ran past the execution timeout")
	ErrDeliveryTimedOut  = errors.New("the command was not delivered before TimeoutSeconds")
	ErrCancelled         = errors.New("the command was cancelled")
	ErrUndeliverable     = errors.New("the command could not be delivered")
	ErrTerminated        = errors.New("the instance was terminated while the command ran")
	ErrInvalidPlatform   = errors.New("the instance's platform cannot run AWS-RunShellScript")
	ErrAccessDenied      = errors.New("access denied while running the command")
	// ErrNoResult: the script succeeded but its result line is missing.
	ErrNoResult = hostresult.ErrNoResult
	// ErrOutputTruncated: SSM cut stdout at 24,000 characters and the
	// result line was lost.
	ErrOutputTruncated = errors.New("SSM cut the output and the result line was lost")
	// ErrSkipped: SSM never ran the command on the instance because the
	// batch reached MaxErrors first.
	ErrSkipped = errors.New("not run: the batch reached MaxErrors before this instance's turn")
	// ErrWaitTimeout: the invocation was still not finished at the deadline.
	ErrWaitTimeout = errors.New("the command did not finish before the wait deadline")
)

// hints tell what to do about each outcome.
var hints = map[error]string{
	ErrFailed:            "the message and the output's tail say why; the full log is in /var/lib/gangway/logs on the host",
	ErrExecutionTimedOut: "raise the execution timeout or look at the host's log in /var/lib/gangway/logs",
	ErrDeliveryTimedOut:  "check that the SSM agent runs and reaches SSM (PingStatus) and raise the delivery timeout",
	ErrCancelled:         "someone or something cancelled the command; run it again",
	ErrUndeliverable:     "the instance is stopped, gone, or its agent cannot be reached",
	ErrTerminated:        "the instance went away during the rollout; check the Auto Scaling group or whoever terminated it",
	ErrInvalidPlatform:   "target Linux instances only",
	ErrAccessDenied:      "check the caller's ssm:SendCommand permission on the document and instances, and the instance role",
	ErrNoResult:          "the command succeeded without printing GANGWAY_RESULT: did the rollout script run?",
	ErrOutputTruncated:   "the host keeps the full log in /var/lib/gangway/logs",
	ErrSkipped:           "fix the failure above and run the rollout again",
	ErrWaitTimeout:       "the command may still be running: see aws ssm list-command-invocations --command-id",
}

// InvocationError is the failure of a command on one instance.
type InvocationError struct {
	InstanceID    string
	CommandID     string
	Status        string // GetCommandInvocation Status
	StatusDetails string // GetCommandInvocation StatusDetails
	Kind          error  // one of the Err* outcomes above
	// Result is the script's result line when it printed one.
	Result *hostresult.Result
	// StdoutTail and StderrTail are the ends of the captured output.
	StdoutTail, StderrTail string
}

func (e *InvocationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "instance %s, command %s: %v", e.InstanceID, e.CommandID, e.Kind)
	if e.Status != "" {
		fmt.Fprintf(&b, " (status %s / %s)", e.Status, e.StatusDetails)
	}
	if e.Result != nil {
		fmt.Fprintf(&b, "; rollout %s: %s", e.Result.Status, e.Result.Message)
	}
	if h := hints[e.Kind]; h != "" {
		fmt.Fprintf(&b, "; %s", h)
	}
	if e.StdoutTail != "" {
		fmt.Fprintf(&b, "\n--- stdout (tail)\n%s", e.StdoutTail)
	}
	if e.StderrTail != "" {
		fmt.Fprintf(&b, "\n--- stderr (tail)\n%s", e.StderrTail)
	}
	return b.String()
}

func (e *InvocationError) Unwrap() error { return e.Kind }

// statusSkipped marks an invocation the runner stopped waiting for: still
// Pending after the batch reached MaxErrors.
const statusSkipped = "Skipped"

// classify maps a terminal invocation to its outcome; nil for Success and
// for statuses that are not terminal.
func classify(status, details string) (kind error, terminal bool) {
	switch strings.ToLower(strings.NewReplacer(" ", "", "_", "").Replace(details)) {
	case "deliverytimedout":
		return ErrDeliveryTimedOut, true
	case "executiontimedout":
		return ErrExecutionTimedOut, true
	case "undeliverable":
		return ErrUndeliverable, true
	case "terminated":
		return ErrTerminated, true
	case "invalidplatform":
		return ErrInvalidPlatform, true
	case "accessdenied":
		return ErrAccessDenied, true
	}
	switch status {
	case statusSkipped:
		return ErrSkipped, true
	case "Success":
		return nil, true
	case "Failed":
		return ErrFailed, true
	case "TimedOut":
		return ErrExecutionTimedOut, true
	case "Cancelled":
		return ErrCancelled, true
	}
	return nil, false // Pending, InProgress, Delayed, Cancelling
}
