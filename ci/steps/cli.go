package steps

import (
	"fmt"
	"time"

	"github.com/gangway-dev/gangway/ci/envname"
	"github.com/gangway-dev/gangway/ci/imageref"
	"github.com/gangway-dev/gangway/ci/tf"
)

// CLI is where the module installs the pipeline CLI inside its containers.
const CLI = "/usr/local/bin/pipeline"

// TerraformDir is the terraform configuration's directory, relative to the
// working directory in which the module runs the CLI (the repository root).
const TerraformDir = "terraform"

// Each builder returns a whole command line starting with CLI; the local
// flow runs the same line in-process without args[0]. dir is the Terraform
// configuration directory (TerraformDir in the module's containers).

// PlanOptions are plan's optional settings.
type PlanOptions struct {
	// StoreAs stores the plan for a later job, under the run's name.
	StoreAs string
	// Commit is the source revision, recorded in the plan's binding.
	Commit string
	// NoLock takes no state lock (a preview under a read-only role).
	NoLock bool
}

// PlanArgs is `pipeline plan`: a saved plan at out (its binding beside it)
// and its Markdown summary at summary, for env.
func PlanArgs(dir, env, out, summary string, o PlanOptions) ([]string, error) {
	if err := envname.Validate(env); err != nil {
		return nil, err
	}
	args := []string{CLI, "plan", "--env", env, "--dir", dir, "--out", out, "--summary-md", summary}
	if o.StoreAs != "" {
		args = append(args, "--store-as", o.StoreAs)
	}
	if o.Commit != "" {
		args = append(args, "--commit", o.Commit)
	}
	if o.NoLock {
		args = append(args, "--no-lock")
	}
	return args, nil
}

// FetchPlanArgs is `pipeline fetch-plan`: the plan stored for run, checked
// against the reviewed digest and the commit, written into out.
func FetchPlanArgs(dir, env, run, sha256, commit, out string) ([]string, error) {
	if err := envname.Validate(env); err != nil {
		return nil, err
	}
	args := []string{CLI, "fetch-plan", "--env", env, "--dir", dir, "--run", run, "--sha256", sha256, "--out", out}
	if commit != "" {
		args = append(args, "--commit", commit)
	}
	return args, nil
}

// ApplyArgs is `pipeline apply` of exactly planFile (the CLI refuses a plan
// whose binding does not match the state).
func ApplyArgs(dir, env, planFile string) ([]string, error) {
	if err := envname.Validate(env); err != nil {
		return nil, err
	}
	args := []string{CLI, "apply", "--env", env, "--dir", dir}
	if planFile != "" {
		args = append(args, "--plan", planFile)
	}
	return args, nil
}

// OutputsArgs is `pipeline outputs`: env's outputs contract as JSON.
func OutputsArgs(dir, env string) ([]string, error) {
	if err := envname.Validate(env); err != nil {
		return nil, err
	}
	return []string{CLI, "outputs", "--env", env, "--dir", dir}, nil
}

// DriftArgs is `pipeline drift`: compare env with its state, the report on
// stdout and as Markdown at summary.
func DriftArgs(dir, env, summary string) ([]string, error) {
	if err := envname.Validate(env); err != nil {
		return nil, err
	}
	return []string{CLI, "drift", "--env", env, "--dir", dir, "--summary-md", summary}, nil
}

// VerifyTestedArgs is `pipeline verify-tested`: fail unless a record
// signed by test's attestation key says image passed the gate (the public
// key comes from $GANGWAY_ATTESTATION_PUBLIC_KEY).
func VerifyTestedArgs(image imageref.Ref) []string {
	return []string{CLI, "verify-tested", "--image", image.String()}
}

// AttestArgs is `pipeline attest`: sign and store the record that image
// passed the gate with checks passing checks.
func AttestArgs(image imageref.Ref, checks int, revision string) []string {
	args := []string{CLI, "attest", "--image", image.String(), "--checks", fmt.Sprint(checks)}
	if revision != "" {
		args = append(args, "--revision", revision)
	}
	return args
}

// PromoteArgs is `pipeline promote`: copy the tested image (a digest in the
// test repository) into repository, prod's, without rebuilding it.
func PromoteArgs(image imageref.Ref, repository string) []string {
	return []string{CLI, "promote", "--from", "test", "--to", "prod", "--image", image.String(), "--to-repository", repository}
}

// Record is who and what a rollout's deploy record names. An empty field
// leaves the CLI's default: the CI system's variables ($GITHUB_ACTOR,
// $GITHUB_SHA, …), which a container of the module does not see.
type Record struct {
	// Actor is who started the deploy, e.g. $GITHUB_ACTOR.
	Actor string
	// Commit is the source revision deployed.
	Commit string
}

func (r Record) args() []string {
	var args []string
	if r.Actor != "" {
		args = append(args, "--actor", r.Actor)
	}
	if r.Commit != "" {
		args = append(args, "--commit", r.Commit)
	}
	return args
}

// RolloutArgs is `pipeline rollout`: record image where env's booting
// hosts read it (the SSM parameters in out, env's outputs), then run it on
// the InService hosts of env's Auto Scaling group (out's asg_name) through
// SSM, in batches that keep capacity, behind the health gate, and record
// the deploy.
func RolloutArgs(env string, image imageref.Ref, rec Record, out tf.Outputs) ([]string, error) {
	fl, err := fleetArgs(env, out)
	if err != nil {
		return nil, err
	}
	args := append([]string{CLI, "rollout", "--env", env, "--image", image.String()}, fl...)
	if out.Alarm5xxName != "" {
		args = append(args, "--alarm", out.Alarm5xxName)
	}
	return append(args, rec.args()...), nil
}

// fleetArgs are the flags that name env's fleet from its outputs: the
// group whose hosts a rollout targets and the parameters that record the
// release.
func fleetArgs(env string, out tf.Outputs) ([]string, error) {
	if out.Environment != env {
		return nil, fmt.Errorf("the outputs are %q's, not %q's", out.Environment, env)
	}
	if out.ASGName == "" || out.ImageParameter == "" || out.RolloutScriptParameter == "" {
		return nil, fmt.Errorf("%s's outputs lack asg_name, image_parameter or rollout_script_parameter: apply the environment first", env)
	}
	return []string{"--asg", out.ASGName, "--image-parameter", out.ImageParameter, "--rollout-script-parameter", out.RolloutScriptParameter}, nil
}

// RollbackArgs is `pipeline rollback` on the hosts of env's group (out,
// env's outputs): switch them back to their previous slot, or with to (a
// sha256 digest) deploy that earlier digest of env's repository and
// record it for booting hosts; and record the deploy.
func RollbackArgs(env, to string, rec Record, out tf.Outputs) ([]string, error) {
	if err := envname.Validate(env); err != nil {
		return nil, err
	}
	fl, err := fleetArgs(env, out)
	if err != nil {
		return nil, err
	}
	args := []string{CLI, "rollback", "--env", env}
	if to != "" {
		if _, err := imageref.ParseDigest(to); err != nil {
			return nil, err
		}
		args = append(args, "--to", to)
	}
	// A plain rollback records the image the hosts went back to, after.
	args = append(args, fl...)
	return append(args, rec.args()...), nil
}

// StatusArgs is `pipeline status`: env's outputs, last deploy and hosts.
func StatusArgs(dir, env string) ([]string, error) {
	if err := envname.Validate(env); err != nil {
		return nil, err
	}
	return []string{CLI, "status", "--env", env, "--dir", dir}, nil
}

// HistoryArgs is `pipeline history`: env's newest limit deploy records (0
// for all).
func HistoryArgs(env string, limit int) ([]string, error) {
	if err := envname.Validate(env); err != nil {
		return nil, err
	}
	if limit < 0 {
		return nil, fmt.Errorf("limit %d: want 0 (all) or more", limit)
	}
	return []string{CLI, "history", "--env", env, "--limit", fmt.Sprint(limit)}, nil
}

// LogsArgs is `pipeline logs`: env's container log lines since that long
// ago (a Go duration such as 10m), matching filter ("" for all), the last
// limit of them (0 for all).
func LogsArgs(dir, env, since, filter string, limit int) ([]string, error) {
	if err := envname.Validate(env); err != nil {
		return nil, err
	}
	if d, err := time.ParseDuration(since); err != nil || d <= 0 {
		return nil, fmt.Errorf("since %q: want a positive duration such as 10m or 2h", since)
	}
	if limit < 0 {
		return nil, fmt.Errorf("limit %d: want 0 (all) or more", limit)
	}
	args := []string{CLI, "logs", "--env", env, "--dir", dir, "--since", since, "--limit", fmt.Sprint(limit)}
	if filter != "" {
		args = append(args, "--filter", filter)
	}
	return args, nil
}

// SuiteArgs runs the integration suite as both paths run it: compiled and
// run by the go command in the root module, its result the `go test -json`
// stream on stdout (a suite that does not compile reports that there too).
// The suite reads APP_URL and READY_TIMEOUT from the environment.
func SuiteArgs() []string {
	return []string{"go", "test", "-json", "-count=1", "./tests"}
}
