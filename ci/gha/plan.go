package gha

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/gangway-dev/gangway/ci/envname"
	"github.com/gangway-dev/gangway/ci/tf"
)

// PlanReport builds the report of `pipeline plan` JSON; see ForPlan.
func PlanReport(data []byte) (Report, error) {
	var in tf.PlanOutput
	if err := json.Unmarshal(data, &in); err != nil {
		return Report{}, fmt.Errorf("reading plan JSON: %w", err)
	}
	if err := envname.Validate(in.Env); err != nil {
		return Report{}, fmt.Errorf("plan JSON: %w", err)
	}
	return ForPlan(in), nil
}

// ForPlan builds the report of a plan: its Markdown summary, the counts as
// outputs, and a warning when it destroys or replaces anything.
func ForPlan(in tf.PlanOutput) Report {
	s := in.Summary
	r := Report{
		Summary: s.Markdown(in.Env),
		Outputs: []Output{
			{"env", in.Env},
			{"has_changes", strconv.FormatBool(in.HasChanges)},
			{"add", strconv.Itoa(s.Add)},
			{"change", strconv.Itoa(s.Change)},
			{"destroy", strconv.Itoa(s.Destroy)},
			{"replace", strconv.Itoa(s.Replace)},
		},
	}
	if in.StoredKey != "" {
		r.Outputs = append(r.Outputs, Output{"stored_key", in.StoredKey}, Output{"bundle_sha256", in.BundleSHA256})
	}
	if s.Destroy > 0 || s.Replace > 0 {
		r.Annotations = append(r.Annotations, Annotation{
			Level:   LevelWarning,
			Title:   "Terraform plan for " + in.Env,
			Message: fmt.Sprintf("The plan destroys %d and replaces %d resource(s): review it before applying.", s.Destroy, s.Replace),
		})
	}
	return r
}

// ForDrift builds the report of a drift check: its Markdown, an output
// drifted=true|false, and one error annotation naming the drifted resources.
func ForDrift(d tf.Drift) Report {
	r := Report{
		Summary: d.Markdown(),
		Outputs: []Output{{"env", d.Env}, {"drifted", strconv.FormatBool(d.Drifted)}},
	}
	if d.Drifted {
		var names []string
		for _, res := range d.Resources {
			names = append(names, res.Address)
		}
		r.Annotations = append(r.Annotations, Annotation{
			Level: LevelError,
			Title: "Drift of " + d.Env,
			Message: fmt.Sprintf("%d resource(s) changed outside Terraform: %s. Apply the configuration to put them back, or change the configuration to keep them.",
				len(names), strings.Join(names, ", ")),
		})
	}
	return r
}
