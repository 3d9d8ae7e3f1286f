package tf

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// Outputs is the outputs contract: what every environment's configuration
// provides and later steps read. It is the one definition; `pipeline outputs`
// prints it and every reader decodes it with ParseOutputs.
//
// A fleet: the hosts are the InService instances of the Auto Scaling group
// ASGName (SSM targets them by their Environment and App tags); the digest
// they serve and its rollout script are recorded in the SSM parameters
// ImageParameter and RolloutScriptParameter, which a booting host reads;
// Alarm5xxName is the alarm a rollout watches while a release bakes.
type Outputs struct {
	Environment            string `json:"environment"`
	Region                 string `json:"region"`
	ASGName                string `json:"asg_name"`
	AppURL                 string `json:"app_url"`
	ECRRepositoryURL       string `json:"ecr_repository_url"`
	BucketName             string `json:"bucket_name"`
	DBEndpoint             string `json:"db_endpoint"`
	DBSecretARN            string `json:"db_secret_arn"`
	ImageParameter         string `json:"image_parameter"`
	RolloutScriptParameter string `json:"rollout_script_parameter"`
	LogGroupName           string `json:"log_group_name"`
	Alarm5xxName           string `json:"alarm_5xx_name"`
	TargetGroupARN         string `json:"target_group_arn"`
}

// OutputNames are the contract's output names, in the order of Outputs.
var OutputNames = outputNames()

func outputNames() []string {
	t := reflect.TypeFor[Outputs]()
	names := make([]string, t.NumField())
	for i := range names {
		names[i], _, _ = strings.Cut(t.Field(i).Tag.Get("json"), ",")
	}
	return names
}

// ParseOutputs reads the contract from JSON: a flat object of strings, as
// `pipeline outputs` prints it. Every contract output must be there, as a
// non-empty string; other keys are ignored.
func ParseOutputs(data []byte) (Outputs, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return Outputs{}, fmt.Errorf("reading the terraform outputs (want a JSON object of strings): %w", err)
	}
	var o Outputs
	v := reflect.ValueOf(&o).Elem()
	var missing []string
	for i, name := range OutputNames {
		val, ok := raw[name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		var s string
		if err := json.Unmarshal(val, &s); err != nil {
			return Outputs{}, fmt.Errorf("terraform output %s is %s, not a string", name, bytes.TrimSpace(val))
		}
		if s == "" {
			missing = append(missing, name)
			continue
		}
		v.Field(i).SetString(s)
	}
	if len(missing) > 0 {
		return Outputs{}, fmt.Errorf("terraform outputs %s are missing or empty: apply the environment first", strings.Join(missing, ", "))
	}
	return o, nil
}

// Outputs initialises the working directory and returns the contract
// outputs. It fails when one is missing (apply first), is not a string or is
// marked sensitive (these are not secrets and are printed).
func (r *Runner) Outputs(ctx context.Context) (Outputs, error) {
	if err := r.Init(ctx); err != nil {
		return Outputs{}, err
	}
	raw, err := r.tf.Output(ctx)
	if err != nil {
		return Outputs{}, ctxErr(ctx, r.wrap("terraform output", err))
	}
	return contractOutputs(raw)
}

// contractOutputs picks the contract outputs out of all of them.
func contractOutputs(all map[string]tfexec.OutputMeta) (Outputs, error) {
	flat := make(map[string]json.RawMessage, len(OutputNames))
	for _, name := range OutputNames {
		o, ok := all[name]
		if !ok {
			continue // ParseOutputs names every missing one
		}
		if o.Sensitive {
			return Outputs{}, fmt.Errorf("output %q is marked sensitive; the contract outputs are printed and must not be secrets", name)
		}
		flat[name] = o.Value
	}
	data, err := json.Marshal(flat)
	if err != nil {
		return Outputs{}, err
	}
	o, err := ParseOutputs(data)
	if err != nil {
		return Outputs{}, fmt.Errorf("the state's outputs: %w (or the configuration lacks them)", err)
	}
	return o, nil
}
