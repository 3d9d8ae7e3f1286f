package tf

import (
	"context"
	"encoding/json"
	"fmt"
)

// State identifies a state snapshot: its lineage (fixed when the state is
// first written) and serial (incremented by every write).
type State struct {
	// Exists is false when the backend holds no state yet.
	Exists  bool   `json:"exists"`
	Lineage string `json:"lineage"`
	Serial  uint64 `json:"serial"`
}

func (s State) String() string {
	if !s.Exists {
		return "no state"
	}
	return fmt.Sprintf("lineage %s serial %d", s.Lineage, s.Serial)
}

// parseState reads lineage and serial from `terraform state pull` output.
// Terraform prints an empty state (no lineage) when none exists.
func parseState(raw []byte) (State, error) {
	if len(raw) == 0 {
		return State{}, nil
	}
	var s struct {
		Lineage string `json:"lineage"`
		Serial  uint64 `json:"serial"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return State{}, fmt.Errorf("reading the pulled state: %w", err)
	}
	if s.Lineage == "" {
		return State{}, nil
	}
	return State{Exists: true, Lineage: s.Lineage, Serial: s.Serial}, nil
}

// PullState returns the current remote state's identity (terraform state
// pull). The working directory must be initialised.
func (r *Runner) PullState(ctx context.Context) (State, error) {
	raw, err := r.tf.StatePull(ctx)
	if err != nil {
		return State{}, ctxErr(ctx, r.wrap("terraform state pull", err))
	}
	return parseState([]byte(raw))
}
