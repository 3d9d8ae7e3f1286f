package tf

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Binding ties a saved plan file to what it was planned against: the
// environment, the backend state object, the state snapshot (lineage and
// serial, or none), and the plan file's own digest. Apply refuses a plan
// whose binding does not match the state it is about to change, because
// Terraform alone applies a plan made on an empty state again on a fresh
// state (hashicorp/terraform#24078).
type Binding struct {
	Env        string    `json:"env"`
	Bucket     string    `json:"bucket"`
	Key        string    `json:"key"`
	State      State     `json:"state"`
	PlanSHA256 string    `json:"plan_sha256"`
	CreatedAt  time.Time `json:"created_at"`
	// Commit is the source revision the plan was made from, when known: a
	// reviewed plan is applied only by a job running the same commit.
	Commit string `json:"commit,omitempty"`
}

// BindingPath returns where the binding of planFile is kept: beside it.
func BindingPath(planFile string) string { return planFile + ".binding.json" }

// fileSHA256 returns the hex SHA-256 of a file's content.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// WriteBinding writes b beside planFile.
func WriteBinding(planFile string, b Binding) error {
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(BindingPath(planFile), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing the plan binding: %w", err)
	}
	return nil
}

// ReadBinding reads the binding kept beside planFile.
func ReadBinding(planFile string) (Binding, error) {
	data, err := os.ReadFile(BindingPath(planFile))
	if errors.Is(err, os.ErrNotExist) {
		return Binding{}, &RefusedError{Reason: fmt.Sprintf("no binding file %s beside the plan: only plans made by `pipeline plan` can be applied; plan again", BindingPath(planFile))}
	}
	if err != nil {
		return Binding{}, fmt.Errorf("reading the plan binding: %w", err)
	}
	var b Binding
	if err := json.Unmarshal(data, &b); err != nil {
		return Binding{}, &RefusedError{Reason: fmt.Sprintf("the plan binding %s is not valid JSON (%v); plan again", BindingPath(planFile), err)}
	}
	return b, nil
}

// RefusedError says why a plan file was not applied. Nothing was changed.
type RefusedError struct{ Reason string }

func (e *RefusedError) Error() string { return "refusing to apply the plan: " + e.Reason }

// CheckTarget refuses a binding made for another environment or state object.
func (b Binding) CheckTarget(env string, backend Backend) error {
	if b.Env != env {
		return &RefusedError{Reason: fmt.Sprintf("the plan was made for environment %q, not %q", b.Env, env)}
	}
	if b.Bucket != backend.Bucket || b.Key != stateKey(env) {
		return &RefusedError{Reason: fmt.Sprintf("the plan was made against state s3://%s/%s, not s3://%s/%s", b.Bucket, b.Key, backend.Bucket, stateKey(env))}
	}
	return nil
}

// CheckPlanFile refuses a plan file whose content is not the one bound.
func (b Binding) CheckPlanFile(planFile string) error {
	sum, err := fileSHA256(planFile)
	if err != nil {
		return fmt.Errorf("reading the plan file: %w", err)
	}
	if sum != b.PlanSHA256 {
		return &RefusedError{Reason: fmt.Sprintf("the plan file %s is not the one that was reviewed (sha256 %s, bound %s)", planFile, sum, b.PlanSHA256)}
	}
	return nil
}

// CheckState refuses to apply when the current state is not the one the
// plan was made from.
func (b Binding) CheckState(current State) error {
	switch {
	case !b.State.Exists && current.Exists:
		return &RefusedError{Reason: fmt.Sprintf("the plan was made on an empty state, but a state now exists (%s): "+
			"it was applied already or someone else created the environment (hashicorp/terraform#24078); plan again", current)}
	case b.State.Exists && !current.Exists:
		return &RefusedError{Reason: fmt.Sprintf("the plan was made against %s, but the backend now holds no state: plan again", b.State)}
	case b.State.Exists && b.State.Lineage != current.Lineage:
		return &RefusedError{Reason: fmt.Sprintf("the plan was made against another state (lineage %s), the backend holds lineage %s: plan again", b.State.Lineage, current.Lineage)}
	case b.State.Serial != current.Serial:
		return &RefusedError{Reason: fmt.Sprintf("the plan is stale: made at state serial %d, the state is now at serial %d (lineage %s); plan again", b.State.Serial, current.Serial, current.Lineage)}
	}
	return nil
}
