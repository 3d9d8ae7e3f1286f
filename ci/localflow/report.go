package localflow

import (
	"encoding/json"

	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/gangway-dev/gangway/ci/deploy"
	"github.com/gangway-dev/gangway/ci/localworld/loadgen"
	"github.com/gangway-dev/gangway/ci/tf"
)

// Stage results.
const (
	Passed  = "passed"
	Failed  = "failed"
	Skipped = "skipped"
	Stopped = "stopped" // not a failure: the flow stopped on purpose (no approval)
)

// Stage is one step of the flow with its timing and result.
type Stage struct {
	Name     string    `json:"name"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Seconds  float64   `json:"seconds"`
	Result   string    `json:"result"`
	Detail   string    `json:"detail,omitempty"`
	// Roles are the roles the stage's pipeline steps ran under, each
	// assumed with a web identity in its environment's account.
	Roles []string `json:"roles,omitempty"`
	// WorldRoles are the administrator sessions the local world itself
	// used in the stage, playing a part that is AWS's or a person's on AWS:
	// bootstrapping an account, handing prod the attestation key, RDS
	// reading the database secret, the hand that makes drift. No pipeline
	// step runs under them.
	WorldRoles []string `json:"world_roles,omitempty"`
}

// Report is what a run of the flow did, written as JSON by --report.
type Report struct {
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Seconds  float64   `json:"seconds"`
	// Resumed holds when the run was continued after stopping for the
	// approval (pipeline-local --approve on the kept world).
	Resumed []time.Time `json:"resumed,omitempty"`
	// Redeploy holds when the run deployed again what test served, with
	// no build (--redeploy).
	Redeploy bool `json:"redeploy,omitempty"`
	// Result is "deployed" when production runs the new digest, "gate_failed"
	// when the integration tests stopped the flow, "approval_required" when
	// nobody approved, or "failed".
	Result  string `json:"result"`
	Reason  string `json:"reason,omitempty"`
	Version string `json:"version"`
	// Digest is the image digest built once and promoted.
	Digest    string `json:"digest,omitempty"`
	TestImage string `json:"test_image,omitempty"`
	ProdImage string `json:"prod_image,omitempty"`
	// ProdImageBefore and ProdImageAfter are the images production served before
	// and after the run ("" when nothing).
	ProdImageBefore string  `json:"prod_image_before"`
	ProdImageAfter  string  `json:"prod_image_after"`
	Stages          []Stage `json:"stages"`
	// TestDeploy, Gate and ProdDeploy are the deploy sequence's own
	// reports (ci/deploy), the same the Dagger module exports.
	TestDeploy *deploy.Report `json:"test_deploy,omitempty"`
	Gate       *deploy.Report `json:"gate,omitempty"`
	ProdDeploy *deploy.Report `json:"prod_deploy,omitempty"`
	// ProdPlan is the stored plan the approval was for.
	ProdPlan *tf.PlanOutput `json:"prod_plan,omitempty"`
	// Drift is the drift check's report after the change the flow made
	// behind Terraform's back.
	Drift *tf.Drift       `json:"drift,omitempty"`
	Tests []TestResult    `json:"tests,omitempty"`
	Load  *loadgen.Result `json:"prod_load,omitempty"`
	// ProdRolloutSeconds is how long the production rollout took, from
	// starting the script to its result (pull, health gate, switch, drain).
	ProdRolloutSeconds float64 `json:"prod_rollout_seconds,omitempty"`
	// RecordsKept counts records created on prod before its rollout and read
	// back after it; RecordsLost those that were not.
	RecordsKept int `json:"records_kept"`
	// CAFile is the local world's CA certificate: the only one that the
	// load balancers' certificate chains to (curl --cacert, APP_CA_FILE).
	CAFile string `json:"ca_file,omitempty"`
	// AttestationPublicKey is the PEM of test's attestation key, which
	// prod trusts (public, like its GitHub environment variable).
	AttestationPublicKey string   `json:"attestation_public_key,omitempty"`
	RecordsLost          int      `json:"records_lost"`
	Seams                []string `json:"seams"`
}

// TestResult is one check of the integration suite.
type TestResult struct {
	Name    string  `json:"name"`
	Result  string  `json:"result"`
	Seconds float64 `json:"seconds"`
}

// WriteFile writes the report as indented JSON to path.
func (r *Report) WriteFile(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding report: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}

// timelineLabels names each stage in the timeline the way the deployment
// workflow document's "Example Timeline" does.
var timelineLabels = map[string][2]string{
	// stage: {start label, end label}
	"world":             {"Local world starting (moto, PostgreSQL, registry, hosts)", "Local world ready"},
	"preview":           {"Preview: terraform plan for test", "Preview ready"},
	"deploy-test":       {"Test workflow starts: deploy to test", "Test deployment completes"},
	"integration-tests": {"Integration tests start", "Integration tests"},
	"prod-plan":         {"Production workflow triggered: plan for prod", "Production plan stored for review"},
	"approval":          {"Waiting for manual approval of the plan and the digest", "Approval"},
	"deploy-prod":       {"Production deployment starts", "Production deployment"},
	"drift":             {"Drift check: prod's database opened to the world behind Terraform's back", "Drift reported"},
}

// WriteTimeline prints the run as a timeline of wall-clock times, one line
// per event, with each stage's duration.
func (r *Report) WriteTimeline(w io.Writer) {
	fmt.Fprintf(w, "\nTimeline (version %s)\n", r.Version)
	for _, s := range r.Stages {
		labels, ok := timelineLabels[s.Name]
		if !ok {
			labels = [2]string{s.Name + " starts", s.Name}
		}
		fmt.Fprintf(w, "%s - %s\n", s.Started.Format("15:04:05"), labels[0])
		mark := map[string]string{Passed: "✅", Failed: "❌", Skipped: "⏭️ ", Stopped: "⏸️ "}[s.Result]
		line := fmt.Sprintf("%s - %s %s %s (%.1fs)", s.Finished.Format("15:04:05"), mark, labels[1], s.Result, s.Seconds)
		if s.Detail != "" {
			line += ": " + s.Detail
		}
		fmt.Fprintln(w, line)
	}
	switch r.Result {
	case "deployed":
		fmt.Fprintf(w, "%s - ✅ Production runs %s (%.1fs in all)\n", r.Finished.Format("15:04:05"), shortDigest(r.Digest), r.Seconds)
	default:
		fmt.Fprintf(w, "%s - ❌ Production NOT deployed: %s (production keeps %s)\n", r.Finished.Format("15:04:05"), r.Reason, orNone(shortDigest(r.ProdImageAfter)))
	}
}

func shortDigest(ref string) string {
	if i := strings.Index(ref, "sha256:"); i >= 0 && len(ref) >= i+7+12 {
		return ref[i : i+7+12]
	}
	return ref
}

func orNone(s string) string {
	if s == "" {
		return "nothing"
	}
	return s
}
