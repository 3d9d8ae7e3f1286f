package tf

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// OutputNames are the outputs every environment's configuration provides
// (the outputs contract); later steps read them.
var OutputNames = []string{
	"environment", "region", "instance_id", "app_url",
	"ecr_repository_url", "bucket_name", "db_endpoint", "db_secret_arn",
}

// Outputs initialises the working directory and returns the contract
// outputs' values. It fails when one is missing (apply first) or marked
// sensitive (these are not secrets and are printed).
func (r *Runner) Outputs(ctx context.Context) (map[string]json.RawMessage, error) {
	if err := r.Init(ctx); err != nil {
		return nil, err
	}
	raw, err := r.tf.Output(ctx)
	if err != nil {
		return nil, ctxErr(ctx, r.wrap("terraform output", err))
	}
	return contractOutputs(raw)
}

// contractOutputs picks the contract outputs out of all of them.
func contractOutputs(all map[string]tfexec.OutputMeta) (map[string]json.RawMessage, error) {
	out := make(map[string]json.RawMessage, len(OutputNames))
	var missing []string
	for _, name := range OutputNames {
		o, ok := all[name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		if o.Sensitive {
			return nil, fmt.Errorf("output %q is marked sensitive; the contract outputs are printed and must not be secrets", name)
		}
		out[name] = o.Value
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the state has no output %s: apply the configuration first (or the configuration lacks them)", strings.Join(missing, ", "))
	}
	return out, nil
}
