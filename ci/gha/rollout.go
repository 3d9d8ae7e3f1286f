package gha

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gangway-dev/gangway/ci/hostresult"
	"github.com/gangway-dev/gangway/ci/imageref"
	"github.com/gangway-dev/gangway/ci/ssmrun"
)

// RolloutReport builds the report of `pipeline rollout` (or rollback) JSON
// (an ssmrun.Report); see ForRollout.
func RolloutReport(data []byte) (Report, error) {
	var in ssmrun.Report
	if err := json.Unmarshal(data, &in); err != nil {
		return Report{}, fmt.Errorf("reading rollout JSON: %w", err)
	}
	if in.Status == "" {
		return Report{}, fmt.Errorf("rollout JSON has no \"status\": is this the output of pipeline rollout?")
	}
	return ForRollout(in), nil
}

// ForRollout builds the report of a rollout: a table of hosts, the image and
// its digest as outputs, and one error annotation per failed host (or one
// for the rollout when no host says why, e.g. an offline instance found
// before sending).
func ForRollout(in ssmrun.Report) Report {
	what := "Rollout"
	if in.Mode == string(hostresult.ModeRollback) {
		what = "Rollback"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### %s to `%s`: %s\n\n", what, mdCell(in.Env), mdCell(in.Status))
	if in.Image != "" {
		fmt.Fprintf(&b, "Image: %s\n\n", code(in.Image))
	}
	r := Report{Outputs: []Output{{"env", in.Env}, {"status", in.Status}}}
	if in.Image != "" {
		r.Outputs = append(r.Outputs, Output{"image", in.Image})
		if ref, err := imageref.Parse(in.Image); err == nil {
			r.Outputs = append(r.Outputs, Output{"image_digest", ref.Digest})
		}
	}
	if len(in.Hosts) > 0 {
		b.WriteString("| instance | outcome | SSM | result | version | detail |\n| --- | --- | --- | --- | --- | --- |\n")
	}
	for _, h := range in.Hosts {
		var result, version, detail string
		if h.Result != nil {
			result, version, detail = h.Result.Status, h.Result.Version, h.Result.Message
		}
		if h.Error != "" {
			detail = h.Error
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", code(h.InstanceID), mdCell(h.Outcome), mdCell(h.Status), mdCell(result), mdCell(version), mdCell(detail))
		if h.Outcome == ssmrun.OutcomeNotAttempted {
			continue // not run: the failure that stopped the rollout is annotated
		}
		if h.Result == nil || !h.Result.OK() {
			msg := h.Status
			if result != "" {
				msg += ", " + result
			}
			if detail != "" {
				msg += ": " + detail
			}
			r.Annotations = append(r.Annotations, Annotation{Level: LevelError, Title: fmt.Sprintf("%s to %s on %s", what, in.Env, h.InstanceID), Message: msg})
		}
	}
	if !in.OK() && len(r.Annotations) == 0 {
		msg := "the " + strings.ToLower(what) + " ended with " + in.Status
		if in.Error != "" {
			msg += ": " + in.Error
		}
		r.Annotations = append(r.Annotations, Annotation{Level: LevelError, Title: what + " to " + in.Env, Message: msg})
	}
	r.Summary = b.String()
	return r
}
