package tf

// PlanOutput is what `pipeline plan` prints on stdout: the one definition
// that the CLI writes and the deploy sequence and the GitHub report read.
type PlanOutput struct {
	Env         string  `json:"env"`
	PlanFile    string  `json:"plan_file"`
	BindingFile string  `json:"binding_file"`
	HasChanges  bool    `json:"has_changes"`
	Summary     Summary `json:"summary"`
	State       State   `json:"state"`
	// PlanSHA256 is the plan file's digest, as its binding records it: what
	// a reviewer approves and what apply checks.
	PlanSHA256 string `json:"plan_sha256"`
	// StoredKey and BundleSHA256 say where the plan was stored for a later
	// job (planstore) and the digest of what was stored, which travels to
	// that job; empty when it was not stored.
	StoredKey    string `json:"stored_key,omitempty"`
	BundleSHA256 string `json:"bundle_sha256,omitempty"`
	// Commit is the source revision the plan was made from, when given.
	Commit string `json:"commit,omitempty"`
}

// NewPlanOutput describes a plan made by Runner.Plan.
func NewPlanOutput(env string, p *PlanResult) PlanOutput {
	return PlanOutput{
		Env: env, PlanFile: p.PlanFile, BindingFile: BindingPath(p.PlanFile),
		HasChanges: p.HasChanges, Summary: p.Summary, State: p.Binding.State, PlanSHA256: p.Binding.PlanSHA256,
		Commit: p.Binding.Commit,
	}
}

// ApplyOutput is what `pipeline apply` prints on stdout.
type ApplyOutput struct {
	Env         string `json:"env"`
	Applied     bool   `json:"applied"`
	PlanFile    string `json:"plan_file"`
	StateBefore State  `json:"state_before"`
	StateAfter  State  `json:"state_after"`
	// Summary is set when apply planned by itself (no reviewed plan given).
	Summary *Summary `json:"summary,omitempty"`
	// Warnings are problems after a successful apply, e.g. the state could
	// not record what the apply left (the next drift check will say more).
	Warnings []string `json:"warnings,omitempty"`
}
