package deploy

import (
	"context"

	"github.com/gangway-dev/gangway/ci/imageref"
	"github.com/gangway-dev/gangway/ci/ssmrun"
	"github.com/gangway-dev/gangway/ci/tf"
)

// Steps runs each pipeline step where its tools are. Every method has an
// effect on the outside world or reads it; none may be answered from a
// cache.
type Steps interface {
	// VerifyTested fails unless image may be promoted to prod: it is a
	// digest that the test environment deployed and whose integration gate
	// passed.
	VerifyTested(ctx context.Context, image imageref.Ref) error
	// Plan plans env and keeps the saved plan (and its binding) where
	// Apply finds it by PlanFile.
	Plan(ctx context.Context, env string) (tf.PlanOutput, error)
	// FetchPlan fetches the plan a reviewer approved (stored by another
	// job) where Apply finds it, refusing one that was edited, made for
	// another environment or under another commit.
	FetchPlan(ctx context.Context, env string, reviewed ReviewedPlan) (tf.PlanOutput, error)
	// Apply applies exactly the saved plan; the binding refuses a plan
	// whose state moved on.
	Apply(ctx context.Context, plan tf.PlanOutput) (tf.ApplyOutput, error)
	// Outputs reads env's outputs contract.
	Outputs(ctx context.Context, env string) (tf.Outputs, error)
	// Publish builds the service image from app/Containerfile and pushes
	// it to repository (the test repository's URL), returning its digest.
	Publish(ctx context.Context, revision, repository string) (imageref.Ref, error)
	// Promote copies the tested digest into repository (prod's URL)
	// without rebuilding it, returning the reference there.
	Promote(ctx context.Context, tested imageref.Ref, repository string) (imageref.Ref, error)
	// Rollout runs image on env's hosts behind the health gate. The report
	// is returned whether the rollout succeeded or not, when there is one.
	Rollout(ctx context.Context, env string, image imageref.Ref, out tf.Outputs) (ssmrun.Report, error)
	// IntegrationTest runs the integration suite against appURL and
	// returns its `go test -json` stream, whether the suite passed or not;
	// the error is for a suite that could not be run at all.
	IntegrationTest(ctx context.Context, appURL string) ([]byte, error)
	// Attest signs and stores the record that image passed the gate with
	// checks passing checks, as the test deploy identity: what
	// VerifyTested requires before prod promotes it.
	Attest(ctx context.Context, image imageref.Ref, checks int, revision string) error
}
