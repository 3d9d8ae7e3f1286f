package tf

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-exec/tfexec"
	tfjson "github.com/hashicorp/terraform-json"
)

// Drift is what changed in the live environment behind Terraform's back:
// the resources a refresh finds different from the state, and how.
type Drift struct {
	Env       string          `json:"env"`
	Drifted   bool            `json:"drifted"`
	State     State           `json:"state"`
	Resources []DriftResource `json:"resources"`
}

// DriftResource is one drifted resource.
type DriftResource struct {
	Address string `json:"address"`
	// Action is "update" (changed) or "delete" (gone).
	Action     string           `json:"action"`
	Attributes []DriftAttribute `json:"attributes,omitempty"`
}

// DriftAttribute is one top-level attribute that differs. Sensitive
// values are never shown.
type DriftAttribute struct {
	Name   string `json:"name"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// driftOptions builds the options of the refresh-only plan.
func (r *Runner) driftOptions(out string) []tfexec.PlanOption {
	return append(r.planOptions(out), tfexec.RefreshOnly(true))
}

// Drift runs a refresh-only plan against the live environment and reports
// each drifted resource and attribute. It fails, rather than reporting no
// drift, when the state cannot be read or does not exist.
func (r *Runner) Drift(ctx context.Context) (*Drift, error) {
	if err := r.Init(ctx); err != nil {
		return nil, err
	}
	st, err := r.PullState(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the state to compare with: %w", err)
	}
	if !st.Exists {
		return nil, fmt.Errorf("the %s environment has no state in s3://%s/%s: nothing to compare with (never applied, or the wrong bucket)", r.cfg.Env, r.cfg.Backend.Bucket, stateKey(r.cfg.Env))
	}
	dir, err := os.MkdirTemp("", "gangway-drift-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "refresh.tfplan")
	if _, err := r.tf.Plan(ctx, r.driftOptions(out)...); err != nil {
		return nil, ctxErr(ctx, r.wrap("terraform plan -refresh-only", err))
	}
	shown, err := r.tf.ShowPlanFile(ctx, out)
	if err != nil {
		return nil, ctxErr(ctx, r.wrap("terraform show (refresh-only plan)", err))
	}
	d := summarizeDrift(shown)
	d.Env, d.State = r.cfg.Env, st
	return &d, nil
}

// summarizeDrift reads a refresh-only plan's resource drift.
func summarizeDrift(p *tfjson.Plan) Drift {
	d := Drift{Resources: []DriftResource{}}
	for _, rc := range p.ResourceDrift {
		if rc == nil || rc.Change == nil || rc.Change.Actions.NoOp() {
			continue
		}
		res := DriftResource{Address: rc.Address, Action: ActionUpdate}
		if rc.Change.Actions.Delete() {
			res.Action = ActionDelete
		}
		before, _ := rc.Change.Before.(map[string]any)
		after, _ := rc.Change.After.(map[string]any)
		sensitive := sensitiveKeys(rc.Change.BeforeSensitive, rc.Change.AfterSensitive)
		for _, k := range unionKeys(before, after) {
			if sameValue(before[k], after[k]) || slices.Contains(volatileAttributes[rc.Type], k) || slices.Contains(pipelineOwned[rc.Address], k) {
				continue
			}
			b, a := onlyIn(before[k], after[k])
			attr := DriftAttribute{Name: k, Before: show(b), After: show(a)}
			if sensitive[k] {
				attr.Before, attr.After = "(sensitive)", "(sensitive)"
			}
			res.Attributes = append(res.Attributes, attr)
		}
		if len(res.Attributes) == 0 && res.Action == ActionUpdate {
			continue // only null-versus-empty differences: the provider's normalising, not drift
		}
		d.Resources = append(d.Resources, res)
	}
	sort.Slice(d.Resources, func(i, j int) bool { return d.Resources[i].Address < d.Resources[j].Address })
	d.Drifted = len(d.Resources) > 0
	return d
}

// sameValue compares two attribute values, holding null, "", [] and {} the
// same: a refresh often reads back an empty value where the state holds
// none (tags = null, then {}), which is no change in the environment.
func sameValue(a, b any) bool {
	return reflect.DeepEqual(a, b) || (empty(a) && empty(b))
}

func empty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return t == ""
	case []any:
		return len(t) == 0
	case map[string]any:
		return len(t) == 0
	}
	return false
}

// volatileAttributes change on their own in a healthy environment, so a
// refresh always finds them different: reporting them would make every
// check red.
var volatileAttributes = map[string][]string{
	"aws_db_instance": {"latest_restorable_time"},
}

// pipelineOwned are attributes the pipeline itself writes after Terraform
// made the resource, and which the configuration ignores (lifecycle
// ignore_changes in terraform/fleet.tf): the release a booting host serves
// (ci/release), written at every rollout. Their new values are the
// pipeline's work, not drift; any other attribute of those resources is.
var pipelineOwned = map[string][]string{
	"aws_ssm_parameter.image":          {"value", "insecure_value", "version"},
	"aws_ssm_parameter.rollout_script": {"value", "insecure_value", "version"},
}

// sensitiveKeys names the attributes whose sensitivity mask marks any part
// sensitive. A mask mirrors the value: true for a sensitive value, and
// lists or objects of masks for blocks ([] or {} when nothing is).
func sensitiveKeys(masks ...any) map[string]bool {
	out := map[string]bool{}
	for _, m := range masks {
		if mm, ok := m.(map[string]any); ok {
			for k, v := range mm {
				if anyTrue(v) {
					out[k] = true
				}
			}
		}
	}
	return out
}

func anyTrue(mask any) bool {
	switch t := mask.(type) {
	case bool:
		return t
	case []any:
		return slices.ContainsFunc(t, anyTrue)
	case map[string]any:
		for _, v := range t {
			if anyTrue(v) {
				return true
			}
		}
	}
	return false
}

// onlyIn narrows two lists (rule sets, blocks) to the elements that differ:
// those only in the state and those only live. Other values stay whole.
func onlyIn(before, after any) (any, any) {
	b, okb := before.([]any)
	a, oka := after.([]any)
	if !okb || !oka {
		return before, after
	}
	missing := func(v any, in []any) bool {
		return !slices.ContainsFunc(in, func(x any) bool { return reflect.DeepEqual(x, v) })
	}
	gone, added := []any{}, []any{}
	for _, v := range b {
		if missing(v, a) {
			gone = append(gone, v)
		}
	}
	for _, v := range a {
		if missing(v, b) {
			added = append(added, v)
		}
	}
	return gone, added
}

func unionKeys(a, b map[string]any) []string {
	seen := map[string]bool{}
	var keys []string
	for _, m := range []map[string]any{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

// show renders a value for a report line, bounded.
func show(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(data)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// Markdown renders the drift for a job summary.
func (d Drift) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Drift of `%s`\n\n", d.Env)
	if !d.Drifted {
		fmt.Fprintf(&b, "**No drift.** The live environment matches the state (%s).\n", d.State)
		return b.String()
	}
	fmt.Fprintf(&b, "**%d resource(s) changed outside Terraform.** Apply the configuration to put them back, or change the configuration to keep them.\n\n", len(d.Resources))
	b.WriteString("For lists, such as a group's rules, only the elements that differ are shown.\n\n")
	b.WriteString("| resource | change | attribute | in the state | live |\n| --- | --- | --- | --- | --- |\n")
	for _, r := range d.Resources {
		if len(r.Attributes) == 0 {
			fmt.Fprintf(&b, "| `%s` | %s | | | |\n", r.Address, r.Action)
		}
		for _, a := range r.Attributes {
			fmt.Fprintf(&b, "| `%s` | %s | `%s` | `%s` | `%s` |\n", r.Address, r.Action, a.Name, cell(a.Before), cell(a.After))
		}
	}
	return b.String()
}

func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "`", "'", "\n", " ").Replace(s)
}
