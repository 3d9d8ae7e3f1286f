package tf

import (
	"fmt"
	"strings"
)

// Action names used in a Summary.
const (
	ActionCreate  = "create"
	ActionUpdate  = "update"
	ActionDelete  = "delete"
	ActionReplace = "replace"
	ActionForget  = "forget"
)

// ResourceChange is one resource that a plan changes.
type ResourceChange struct {
	Address string `json:"address"`
	Action  string `json:"action"`
}

// Summary counts what a plan does, per resource address. NoChanges is true
// when the plan changes neither resources nor outputs.
type Summary struct {
	NoChanges      bool             `json:"no_changes"`
	Add            int              `json:"add"`
	Change         int              `json:"change"`
	Destroy        int              `json:"destroy"`
	Replace        int              `json:"replace"`
	Resources      []ResourceChange `json:"resources"`
	OutputsChanged []string         `json:"outputs_changed"`
}

// Headline is the one-line count, e.g. "2 to add, 0 to change, 0 to destroy, 1 to replace".
func (s Summary) Headline() string {
	if s.NoChanges {
		return "No changes"
	}
	return fmt.Sprintf("%d to add, %d to change, %d to destroy, %d to replace", s.Add, s.Change, s.Destroy, s.Replace)
}

// Markdown renders the summary for a pull request or job summary.
func (s Summary) Markdown(env string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Terraform plan for `%s`\n\n", env)
	if s.NoChanges {
		b.WriteString("**No changes.** The infrastructure matches the configuration.\n")
		return b.String()
	}
	fmt.Fprintf(&b, "**%s.**\n", s.Headline())
	var destroyed, replaced []string
	for _, r := range s.Resources {
		switch r.Action {
		case ActionDelete:
			destroyed = append(destroyed, "`"+r.Address+"`")
		case ActionReplace:
			replaced = append(replaced, "`"+r.Address+"`")
		}
	}
	if len(destroyed) > 0 {
		fmt.Fprintf(&b, "\n> [!CAUTION]\n> **Destroys** %s.\n", strings.Join(destroyed, ", "))
	}
	if len(replaced) > 0 {
		fmt.Fprintf(&b, "\n> [!WARNING]\n> **Replaces** (destroys, then creates) %s.\n", strings.Join(replaced, ", "))
	}
	if len(s.Resources) > 0 {
		b.WriteString("\n| action | resource |\n| --- | --- |\n")
		for _, r := range s.Resources {
			fmt.Fprintf(&b, "| %s | `%s` |\n", r.Action, r.Address)
		}
	}
	if len(s.OutputsChanged) > 0 {
		b.WriteString("\nOutputs changed: ")
		for i, o := range s.OutputsChanged {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "`%s`", o)
		}
		b.WriteString("\n")
	}
	return b.String()
}
