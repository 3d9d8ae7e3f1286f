// Package hostresult is the contract between the host's rollout script and
// whatever carries its output back (SSM in package ssmrun, bash on this
// machine in the local world): the script's last line is "GANGWAY_RESULT "
// followed by a Result in JSON, and Parse reads it. Package rollout writes that line;
// transport reads it here, so neither imports the other.
package hostresult

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// prefix starts the script's last output line.
const prefix = "GANGWAY_RESULT "

// Mode says what a run of the script does; a Result echoes it.
type Mode string

const (
	// ModeDeploy rolls a new image out.
	ModeDeploy Mode = "deploy"
	// ModeRollback re-deploys the previous image recorded on the host.
	ModeRollback Mode = "rollback"
)

// Statuses of a Result.
const (
	StatusDeployed   = "deployed"    // the image serves (mode deploy or rollback)
	StatusUnchanged  = "unchanged"   // the image already served; nothing changed
	StatusFailed     = "failed"      // nothing changed (lock, login, pull, bad state)
	StatusRolledBack = "rolled_back" // the new image was rejected (before the cutover or during the bake) and removed; the old serves
)

// Result is the script's machine-readable outcome.
type Result struct {
	Status   string `json:"status"`
	Mode     string `json:"mode"`
	Image    string `json:"image"`
	Previous string `json:"previous,omitempty"`
	Slot     string `json:"slot,omitempty"`
	Version  string `json:"version,omitempty"`
	Host     string `json:"host,omitempty"`
	Seconds  int    `json:"seconds"`
	// FailedRequests is how many requests nginx answered with 5xx between
	// the cutover and the end of the bake or the switch back.
	FailedRequests int `json:"failed_requests,omitempty"`
	// SwitchBackMillis is the time from the bake's failure to traffic back
	// on the previous version.
	SwitchBackMillis int64  `json:"switch_back_ms,omitempty"`
	Message          string `json:"message"`
}

// OK reports whether the status means success (deployed or unchanged).
func (r Result) OK() bool { return r.Status == StatusDeployed || r.Status == StatusUnchanged }

// ErrNoResult means the output has no complete result line.
var ErrNoResult = errors.New("no GANGWAY_RESULT line in the output")

// Parse reads the last result line of output. It reads from the end,
// because the line is always the script's last. An error wraps ErrNoResult
// when there is none or when it is cut short.
func Parse(output string) (Result, error) {
	i := strings.LastIndex(output, prefix)
	if i < 0 {
		return Result{}, ErrNoResult
	}
	if i > 0 && output[i-1] != '\n' {
		return Result{}, fmt.Errorf("%w: the marker is not at the start of a line", ErrNoResult)
	}
	line, _, _ := strings.Cut(output[i+len(prefix):], "\n")
	var r Result
	if err := json.Unmarshal([]byte(strings.TrimSpace(line)), &r); err != nil {
		return Result{}, fmt.Errorf("%w: the line is incomplete or malformed (%w): %q", ErrNoResult, err, line)
	}
	if r.Status == "" {
		return Result{}, fmt.Errorf("%w: the line has no status: %q", ErrNoResult, line)
	}
	return r, nil
}

// Tail returns at most the last n bytes of output, starting at a line
// boundary when one is near: what an error message quotes of a long output.
func Tail(output string, n int) string {
	if len(output) <= n {
		return output
	}
	output = output[len(output)-n:]
	if i := strings.IndexByte(output, '\n'); i >= 0 && i < 200 {
		output = output[i+1:]
	}
	return "…" + output
}
