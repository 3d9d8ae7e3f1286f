package rollout

import (
	"encoding/json"
	"fmt"
	"strings"
)

// StatePrefix starts the last output line of the state script.
const StatePrefix = "GANGWAY_STATE "

// HostState is what a host's rollout state directory records: the image
// and slot its last successful rollout left serving, and the image before.
type HostState struct {
	Image    string `json:"image"`
	Slot     string `json:"slot"`
	Previous string `json:"previous"`
}

// StateScript renders the read-only script that prints the state recorded
// in stateDir (HostDefaults' StateDir on a host) as one StatePrefix line.
// It changes nothing and takes no lock: a rollout in progress shows the
// state before it. It is pure.
func StateScript(stateDir string) string {
	return `#!/usr/bin/env bash
# Prints what this host's last rollout recorded; changes nothing.
set -u
state_dir=` + quote(stateDir) + `
image="" slot="" previous=""
if [ -s "$state_dir/current" ]; then read -r image slot <"$state_dir/current" || true; fi
if [ -s "$state_dir/previous" ]; then read -r previous <"$state_dir/previous" || true; fi
# Only the reference grammar's characters reach the JSON line.
clean() { printf '%s' "$1" | tr -cd 'A-Za-z0-9@:/._-'; }
printf '` + StatePrefix + `{"image":"%s","slot":"%s","previous":"%s"}\n' "$(clean "$image")" "$(clean "$slot")" "$(clean "$previous")"
`
}

// ParseState reads the state line of the state script's output.
func ParseState(output string) (HostState, error) {
	i := strings.LastIndex(output, StatePrefix)
	if i < 0 || (i > 0 && output[i-1] != '\n') {
		return HostState{}, fmt.Errorf("no %sline in the host's output", StatePrefix)
	}
	line, _, _ := strings.Cut(output[i+len(StatePrefix):], "\n")
	var s HostState
	if err := json.Unmarshal([]byte(strings.TrimSpace(line)), &s); err != nil {
		return HostState{}, fmt.Errorf("the host's %sline is malformed (%w): %q", StatePrefix, err, line)
	}
	return s, nil
}
