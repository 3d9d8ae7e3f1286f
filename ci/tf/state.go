package tf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
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

// StateObjects reads state objects straight from the S3 backend.
type StateObjects interface {
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

var _ StateObjects = (*s3.Client)(nil)

// PullState returns the current remote state's identity. With
// Config.StateObjects it reads the state object from S3 directly (no
// terraform process, a fraction of the time); otherwise it runs terraform
// state pull, and the working directory must be initialised.
func (r *Runner) PullState(ctx context.Context) (State, error) {
	if r.cfg.StateObjects != nil {
		return r.readStateObject(ctx)
	}
	raw, err := r.tf.StatePull(ctx)
	if err != nil {
		return State{}, ctxErr(ctx, r.wrap("terraform state pull", err))
	}
	return parseState([]byte(raw))
}

// readStateObject reads the state object of the default workspace (the only
// one the pipeline uses) from S3. No object means no state.
func (r *Runner) readStateObject(ctx context.Context) (State, error) {
	key := stateKey(r.cfg.Env)
	in := &s3.GetObjectInput{Bucket: &r.cfg.Backend.Bucket, Key: &key}
	if r.cfg.StateOwner != "" {
		in.ExpectedBucketOwner = &r.cfg.StateOwner
	}
	out, err := r.cfg.StateObjects.GetObject(ctx, in)
	var nsk *s3types.NoSuchKey
	if errors.As(err, &nsk) {
		return State{}, nil
	}
	if err != nil {
		return State{}, fmt.Errorf("reading state s3://%s/%s: %w", r.cfg.Backend.Bucket, key, err)
	}
	defer out.Body.Close()
	raw, err := io.ReadAll(out.Body)
	if err != nil {
		return State{}, fmt.Errorf("reading state s3://%s/%s: %w", r.cfg.Backend.Bucket, key, err)
	}
	return parseState(raw)
}
