package gha

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gangway-dev/gangway/ci/imageref"
)

// RolloutInput is the JSON `pipeline rollout` prints, read loosely: unknown
// fields are ignored and an instance's detail is taken from the first of
// "error", "message", "reason", "detail" that is set.
type RolloutInput struct {
	Env       string           `json:"env"`
	Image     string           `json:"image"`
	AppURL    string           `json:"app_url"`
	Result    string           `json:"result"`
	Message   string           `json:"message"`
	Instances []map[string]any `json:"instances"`
}

// succeeded reads a status or result word.
func succeeded(s string) bool {
	switch strings.ToLower(s) {
	case "success", "succeeded", "ok", "healthy", "rolled_back", "rolled-back":
		return true
	}
	return false
}

func str(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if v, ok := m[k]; ok && v != nil {
			if s, ok := v.(string); ok {
				if s != "" {
					return s
				}
				continue
			}
			b, _ := json.Marshal(v)
			return string(b)
		}
	}
	return ""
}

// RolloutReport builds the report of a rollout: a table of instances, the
// image digest and app URL as outputs, and one error annotation per failed
// instance (or one for the rollout when no instance says why).
func RolloutReport(data []byte) (Report, error) {
	var in RolloutInput
	if err := json.Unmarshal(data, &in); err != nil {
		return Report{}, fmt.Errorf("reading rollout JSON: %w", err)
	}
	if in.Result == "" {
		return Report{}, fmt.Errorf("rollout JSON has no \"result\"")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### Rollout to `%s`: %s\n\n", mdCell(in.Env), mdCell(in.Result))
	if in.Image != "" {
		fmt.Fprintf(&b, "Image: %s\n\n", code(in.Image))
	}
	if in.AppURL != "" {
		fmt.Fprintf(&b, "App: %s\n\n", mdCell(in.AppURL))
	}
	if in.Message != "" {
		fmt.Fprintf(&b, "%s\n\n", mdCell(in.Message))
	}
	r := Report{Outputs: []Output{{"env", in.Env}, {"result", in.Result}}}
	if in.Image != "" {
		r.Outputs = append(r.Outputs, Output{"image", in.Image})
		if ref, err := imageref.Parse(in.Image); err == nil {
			r.Outputs = append(r.Outputs, Output{"image_digest", ref.Digest})
		}
	}
	if in.AppURL != "" {
		r.Outputs = append(r.Outputs, Output{"app_url", in.AppURL})
	}
	if len(in.Instances) > 0 {
		b.WriteString("| instance | status | detail |\n| --- | --- | --- |\n")
	}
	for _, inst := range in.Instances {
		id := str(inst, "id", "instance_id")
		status := str(inst, "status")
		detail := str(inst, "error", "message", "reason", "detail")
		fmt.Fprintf(&b, "| %s | %s | %s |\n", code(id), mdCell(status), mdCell(detail))
		if !succeeded(status) {
			msg := status
			if detail != "" {
				msg += ": " + detail
			}
			r.Annotations = append(r.Annotations, Annotation{Level: LevelError, Title: fmt.Sprintf("Rollout to %s on %s", in.Env, id), Message: msg})
		}
	}
	if !succeeded(in.Result) && len(r.Annotations) == 0 {
		msg := "the rollout ended with " + in.Result
		if in.Message != "" {
			msg += ": " + in.Message
		}
		r.Annotations = append(r.Annotations, Annotation{Level: LevelError, Title: "Rollout to " + in.Env, Message: msg})
	}
	r.Summary = b.String()
	return r, nil
}
