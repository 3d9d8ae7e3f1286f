package workflows

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Workflow is the part of a workflow file the gates look at.
type Workflow struct {
	// Raw is the file's text (comments included: pins carry their version
	// in one).
	Raw         string             `yaml:"-"`
	Name        string             `yaml:"name"`
	On          map[string]Trigger `yaml:"on"`
	Permissions map[string]string  `yaml:"permissions"`
	Concurrency *Concurrency       `yaml:"concurrency"`
	Jobs        map[string]Job     `yaml:"jobs"`
}

// Trigger is one entry of `on:`.
type Trigger struct {
	Branches  []string         `yaml:"branches"`
	Workflows []string         `yaml:"workflows"`
	Types     []string         `yaml:"types"`
	Inputs    map[string]Input `yaml:"inputs"`
	// Crons holds `schedule:` entries, the one trigger written as a list.
	Crons []string `yaml:"-"`
}

// UnmarshalYAML accepts both trigger shapes: a mapping (push, workflow_run,
// ...) and the list of `cron:` entries `schedule:` takes.
func (t *Trigger) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.SequenceNode {
		var entries []struct {
			Cron string `yaml:"cron"`
		}
		if err := n.Decode(&entries); err != nil {
			return err
		}
		for _, e := range entries {
			t.Crons = append(t.Crons, e.Cron)
		}
		return nil
	}
	type plain Trigger
	return n.Decode((*plain)(t))
}

// Input is a workflow_dispatch input.
type Input struct {
	Required bool   `yaml:"required"`
	Type     string `yaml:"type"`
}

// Concurrency is a `concurrency:` block.
type Concurrency struct {
	Group            string `yaml:"group"`
	CancelInProgress any    `yaml:"cancel-in-progress"`
}

// Job is one job.
type Job struct {
	If          string            `yaml:"if"`
	Needs       any               `yaml:"needs"`
	Environment any               `yaml:"environment"`
	Permissions map[string]string `yaml:"permissions"`
	Concurrency *Concurrency      `yaml:"concurrency"`
	Steps       []Step            `yaml:"steps"`
	Outputs     map[string]string `yaml:"outputs"`
}

// Step is one step.
type Step struct {
	ID   string            `yaml:"id"`
	Name string            `yaml:"name"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]any    `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

// parse reads a workflow file's contents.
func parse(data []byte) (*Workflow, error) {
	var w Workflow
	if err := yaml.Unmarshal(data, &w); err != nil {
		return nil, err
	}
	w.Raw = string(data)
	return &w, nil
}

// EngineVersion reads engineVersion from the dagger.json at path, without
// its leading "v" (the form dagger-for-github's version input takes).
func EngineVersion(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var cfg struct {
		EngineVersion string `json:"engineVersion"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return "", fmt.Errorf("parsing %s: %w", path, err)
	}
	return strings.TrimPrefix(cfg.EngineVersion, "v"), nil
}

// testedArtifact is the artifact that carries the tested digest from
// test.yml to prod.yml.
const testedArtifact = "tested-image"

var (
	// A full commit SHA, never a tag or a branch (both can be moved to
	// other code), with the release it is in a comment for the reader.
	pinnedRe     = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$`)
	pinCommentRe = regexp.MustCompile(`uses:\s*(\S+@[0-9a-f]{40})\s+#\s*v[0-9]+(\.[0-9]+){0,2}\s*$`)
	exprRe       = regexp.MustCompile(`\$\{\{`)
	// A workflow's shell check of an image reference: grep -Eq '<pattern>'.
	grepRe = regexp.MustCompile(`grep -Eq '([^']*sha256[^']*)'`)
)

// imagePatterns returns the patterns the workflow's scripts check image
// references with (grep -Eq '…'), which must be imageref.Pattern.
func imagePatterns(w *Workflow) []string {
	var out []string
	for _, j := range w.Jobs {
		for _, s := range j.Steps {
			for _, m := range grepRe.FindAllStringSubmatch(s.Run, -1) {
				out = append(out, m[1])
			}
		}
	}
	return out
}

// firstParty are the actions allowed to run after a job has AWS
// credentials: GitHub's own, which need no trust beyond the runner's.
func firstParty(a string) bool { return strings.HasPrefix(a, "actions/") }

// checkCommon returns the violations of the gates every workflow keeps.
func checkCommon(w *Workflow, daggerVersion string) []string {
	var v []string
	if _, ok := w.On["pull_request_target"]; ok {
		v = append(v, "trigger pull_request_target is forbidden: it runs with secrets on untrusted code")
	}
	for i, line := range strings.Split(w.Raw, "\n") {
		line = strings.TrimPrefix(strings.TrimSpace(line), "- ")
		if strings.HasPrefix(line, "uses:") && !strings.HasPrefix(line, "uses: ./") && !pinCommentRe.MatchString(line) {
			v = append(v, fmt.Sprintf("line %d: %q: pin the action to a commit SHA with its release in a comment (@<sha> # vX.Y.Z)", i+1, line))
		}
	}
	if len(w.Permissions) != 1 || w.Permissions["contents"] != "read" {
		v = append(v, fmt.Sprintf("top-level permissions must be exactly contents: read, got %v", w.Permissions))
	}
	for name, j := range w.Jobs {
		assumesRole := false
		for i, s := range j.Steps {
			where := fmt.Sprintf("job %s step %d (%s)", name, i+1, s.Name+s.Uses)
			if s.Uses != "" && !strings.HasPrefix(s.Uses, "./") && !pinnedRe.MatchString(s.Uses) {
				v = append(v, fmt.Sprintf("%s: action %q is not pinned to a full commit SHA", where, s.Uses))
			}
			if s.Uses != "" && assumesRole && !firstParty(action(s.Uses)) && action(s.Uses) != "aws-actions/configure-aws-credentials" {
				v = append(v, fmt.Sprintf("%s: third-party action %s runs after the AWS credentials are set: run it before configure-aws-credentials", where, action(s.Uses)))
			}
			if action(s.Uses) == "actions/setup-go" || strings.Contains(s.Run, "go build") || strings.Contains(s.Run, "go run") {
				v = append(v, fmt.Sprintf("%s: a Go toolchain in the job; the workflows stay tiny and take summaries from the module", where))
			}
			if exprRe.MatchString(s.Run) {
				v = append(v, fmt.Sprintf("%s: run script contains ${{ }}; pass values through env:", where))
			}
			if action(s.Uses) == "dagger/dagger-for-github" {
				if got := fmt.Sprint(s.With["version"]); got != daggerVersion {
					v = append(v, fmt.Sprintf("%s: dagger-for-github version %q, want %q (dagger.json engineVersion)", where, got, daggerVersion))
				}
			}
			if action(s.Uses) == "aws-actions/configure-aws-credentials" {
				assumesRole = true
				if s.With["role-to-assume"] == nil {
					v = append(v, fmt.Sprintf("%s: configure-aws-credentials without role-to-assume (OIDC)", where))
				}
				for _, k := range []string{"aws-access-key-id", "aws-secret-access-key"} {
					if _, ok := s.With[k]; ok {
						v = append(v, fmt.Sprintf("%s: long-lived AWS keys (%s); assume a role with OIDC", where, k))
					}
				}
			}
		}
		v = append(v, checkReports(name, j)...)
		idToken := j.Permissions["id-token"]
		switch {
		case assumesRole && idToken != "write":
			v = append(v, fmt.Sprintf("job %s assumes an AWS role but lacks permissions id-token: write", name))
		case !assumesRole && idToken != "":
			v = append(v, fmt.Sprintf("job %s has id-token: %s but assumes no AWS role", name, idToken))
		}
		if j.Permissions == nil {
			v = append(v, fmt.Sprintf("job %s has no permissions block of its own", name))
		}
		for k, p := range j.Permissions {
			switch {
			case p != "write" || k == "id-token":
			case k == "pull-requests" && findRun(j, "call preview-comment") >= 0:
				// the preview job updates its one comment
			default:
				v = append(v, fmt.Sprintf("job %s has %s: write; nothing there writes to GitHub", name, k))
			}
		}
	}
	return v
}

// exportRe finds a dagger call that exports a report directory, in a run
// script whose line continuations are joined.
var exportRe = regexp.MustCompile(`\s(plan|deploy|integration-test|drift)\s[^\n]*files export --path (\S+)`)

// checkReports wants every exported report published to the job summary
// whether the step passed or not, and every exported deploy or gate result
// turned into the job's pass or fail by `dagger call verdict` after that.
func checkReports(name string, j Job) []string {
	var v []string
	for i, s := range j.Steps {
		m := exportRe.FindStringSubmatch(strings.ReplaceAll(s.Run, "\\\n", " "))
		if m == nil {
			continue
		}
		fn, dir := m[1], m[2]
		summary := slices.IndexFunc(j.Steps, func(s Step) bool {
			return strings.Contains(s.Run, "cat "+dir+"/github/summary.md >> \"$GITHUB_STEP_SUMMARY\"")
		})
		switch {
		case summary < 0:
			v = append(v, fmt.Sprintf("job %s exports %s but never appends %s/github/summary.md to the job summary", name, dir, dir))
		case summary < i:
			v = append(v, fmt.Sprintf("job %s publishes the summary before it exists", name))
		case !strings.Contains(j.Steps[summary].If, "always()"):
			v = append(v, fmt.Sprintf("job %s publishes the summary of %s only on success (if: always() && hashFiles(...)): a red run would show nothing", name, dir))
		}
		if fn == "plan" {
			continue
		}
		verdict := slices.IndexFunc(j.Steps, func(s Step) bool {
			return strings.Contains(s.Run, "call verdict --report "+dir+"/result.json")
		})
		switch {
		case verdict < 0:
			v = append(v, fmt.Sprintf("job %s exports the %s report but no step fails the job on it (dagger call verdict --report %s/result.json)", name, fn, dir))
		case verdict < summary:
			v = append(v, fmt.Sprintf("job %s runs the verdict before publishing the summary: a failure would hide why", name))
		}
	}
	return v
}

// checkTest returns the violations of test.yml's gates.
func checkTest(w *Workflow) []string {
	var v []string
	if _, ok := w.On["pull_request"]; !ok {
		v = append(v, "test.yml must run on pull_request (the module check and the preview)")
	}
	if push, ok := w.On["push"]; !ok || !slices.Equal(push.Branches, []string{"develop"}) {
		v = append(v, "test.yml must run on push to develop only")
	}
	v = append(v, checkConcurrency(w, nil, "deploy-test")...)

	job := func(name string) (Job, bool) {
		j, ok := w.Jobs[name]
		if !ok {
			v = append(v, "test.yml has no "+name+" job")
		}
		return j, ok
	}
	if mod, ok := job("module"); ok {
		if !strings.Contains(mod.If, "github.event_name == 'pull_request'") {
			v = append(v, "module must run on pull requests")
		}
		if findRun(mod, "dagger --progress=plain functions") < 0 || findRun(mod, "dagger --progress=plain check") < 0 {
			v = append(v, "module must run dagger functions and dagger check: the one place a real engine loads the module")
		}
		if mod.Permissions["id-token"] != "" {
			v = append(v, "module needs no AWS role")
		}
	}
	if preview, ok := job("preview"); ok {
		if !strings.Contains(preview.If, "github.event_name == 'pull_request'") {
			v = append(v, "preview must run on pull requests only")
		}
		if findRun(preview, "plan --env test") < 0 {
			v = append(v, "preview does not plan the test environment")
		}
		switch prod := findRun(preview, "plan --env prod"); {
		case prod < 0:
			v = append(v, "preview does not plan the prod environment")
		case !strings.Contains(preview.Steps[prod].Run, "--no-lock") || strings.Contains(preview.Steps[prod].Run, "--store-as"):
			v = append(v, "preview plans prod with --no-lock and stores nothing: a pull request's code may change nothing of prod")
		}
		if environment(preview) != "" {
			v = append(v, "preview must not use a deployment environment")
		}
		if findRun(preview, "call preview-comment") < 0 {
			v = append(v, "preview must keep its one pull-request comment (dagger call preview-comment)")
		}
	}
	if deploy, ok := job("deploy"); ok {
		if strings.TrimSpace(deploy.If) != "github.event_name == 'push'" {
			v = append(v, fmt.Sprintf("deploy must run on push only, has if: %q", deploy.If))
		}
		if findRun(deploy, "deploy --env test") < 0 {
			v = append(v, "deploy job does not deploy --env test")
		}
		if environment(deploy) != "test" {
			v = append(v, "deploy must run in the GitHub environment test (its role trusts only that)")
		}
	}
	if it, ok := job("integration-tests"); ok {
		if !slices.Contains(needs(it), "deploy") {
			v = append(v, "integration-tests must need deploy")
		}
		run := findRun(it, "integration-test --url")
		switch {
		case run < 0:
			v = append(v, "integration-tests does not run integration-test against the deployed URL")
		case !strings.Contains(it.Steps[run].Run, `--image "$IMAGE"`):
			v = append(v, `integration-tests must pass --image "$IMAGE": a passed gate signs the record prod requires`)
		}
		if environment(it) != "test" {
			v = append(v, "integration-tests must run in the GitHub environment test: only the test deploy identity signs gate records")
		}
		up := findUses(it, "actions/upload-artifact")
		verdict := findRun(it, "call verdict")
		switch {
		case up < 0 || fmt.Sprint(it.Steps[up].With["name"]) != testedArtifact:
			v = append(v, fmt.Sprintf("integration-tests must publish the tested digest as artifact %q", testedArtifact))
		case verdict < 0 || verdict > up:
			v = append(v, "integration-tests publishes the digest before the verdict on the tests")
		}
	}
	return v
}

// checkProd returns the violations of prod.yml's gates; testName is the
// name of the test workflow that workflow_run must follow.
func checkProd(w *Workflow, testName string) []string {
	var v []string
	wr, ok := w.On["workflow_run"]
	if !ok || !slices.Equal(wr.Workflows, []string{testName}) || !slices.Equal(wr.Types, []string{"completed"}) {
		v = append(v, fmt.Sprintf("prod.yml must run on workflow_run of %q, types [completed]", testName))
	}
	if d, ok := w.On["workflow_dispatch"]; !ok || !d.Inputs["image"].Required {
		v = append(v, "prod.yml must offer workflow_dispatch with a required image input")
	}
	if push, ok := w.On["push"]; !ok || !slices.Equal(push.Branches, []string{"main"}) {
		v = append(v, "prod.yml must run on push to main only")
	}
	v = append(v, checkConcurrency(w, nil, "deploy-production")...)
	if len(w.Jobs) != 2 {
		v = append(v, fmt.Sprintf("prod.yml must have exactly the jobs plan and deploy, has %d", len(w.Jobs)))
	}
	plan, okPlan := w.Jobs["plan"]
	deploy, okDeploy := w.Jobs["deploy"]
	if !okPlan {
		v = append(v, "prod.yml has no plan job: the reviewer would approve a digest without seeing the production plan")
	}
	if !okDeploy {
		v = append(v, "prod.yml has no deploy job")
	}
	if okPlan {
		v = append(v, checkProdPlan(plan)...)
	}
	if okDeploy {
		v = append(v, checkProdDeploy(deploy)...)
	}
	for _, j := range w.Jobs {
		for _, s := range j.Steps {
			if strings.Contains(s.Run, "dagger") && (strings.Contains(s.Run, " build") || strings.Contains(s.Run, " publish")) {
				v = append(v, "prod must never build or publish an image: it promotes the tested digest")
			}
		}
	}
	return v
}

// checkProdPlan holds the plan job: guarded, before the approval, under
// the read-only plan role, on the tested commit, storing the plan for this
// run only.
func checkProdPlan(j Job) []string {
	var v []string
	v = append(v, checkProdIf(j.If)...)
	if environment(j) != "" {
		v = append(v, "the plan job must run without an environment: its plan is what the reviewer approves")
	}
	if role := roleOf(j); role != "${{ vars.PROD_PLAN_ROLE_ARN }}" {
		v = append(v, fmt.Sprintf("the plan job must plan under the read-only prod plan role (vars.PROD_PLAN_ROLE_ARN), not %s", role))
	}
	co := findUses(j, "actions/checkout")
	if co < 0 || !strings.Contains(fmt.Sprint(j.Steps[co].With["ref"]), "github.event.workflow_run.head_sha") {
		v = append(v, "prod must check out workflow_run.head_sha (the tested commit), not GITHUB_SHA")
	}
	onDevelop := findRun(j, "/compare/")
	if onDevelop < 0 || !strings.Contains(j.Steps[onDevelop].Run, "branches/develop") || j.Steps[onDevelop].If != "github.event_name != 'workflow_dispatch'" {
		v = append(v, "prod must confirm through the API that develop holds the tested commit, for every trigger but workflow_dispatch")
	}
	dl := findUses(j, "actions/download-artifact")
	switch {
	case dl < 0:
		v = append(v, "prod must download the tested digest from the test run")
	default:
		s := j.Steps[dl]
		if fmt.Sprint(s.With["name"]) != testedArtifact {
			v = append(v, fmt.Sprintf("prod downloads artifact %v, want %q", s.With["name"], testedArtifact))
		}
		if !strings.Contains(fmt.Sprint(s.With["run-id"]), "github.event.workflow_run.id") {
			v = append(v, "prod must download the artifact of the triggering run (run-id: workflow_run.id)")
		}
		if s.With["github-token"] == nil {
			v = append(v, "downloading another run's artifact needs github-token")
		}
		if j.Permissions["actions"] != "read" {
			v = append(v, "the plan job needs actions: read to download the test run's artifact")
		}
	}
	if find := findRun(j, "workflows/test.yml/runs?"); find < 0 || !strings.Contains(j.Steps[find].Run, "branch=develop") || !strings.Contains(j.Steps[find].Run, "event=push") {
		v = append(v, "a push to main must take the digest of a successful push run of test.yml on develop")
	}
	p := findRun(j, "plan --env prod")
	switch {
	case p < 0:
		v = append(v, "the plan job does not plan prod")
	case !strings.Contains(j.Steps[p].Run, `--store-as "$RUN"`) || !strings.Contains(j.Steps[p].Run, `--commit "$SHA"`):
		v = append(v, `the plan job must store its plan for this run (--store-as "$RUN") from the tested commit (--commit "$SHA")`)
	case !strings.Contains(j.Steps[p].Env["RUN"], "steps.image.outputs.run"):
		v = append(v, "the plan job must store the plan under this run's name")
	}
	if img := slices.IndexFunc(j.Steps, func(s Step) bool { return s.ID == "image" }); img < 0 || !strings.Contains(j.Steps[img].Env["RUN"], "github.run_id") || !strings.Contains(j.Steps[img].Env["RUN"], "github.run_attempt") {
		v = append(v, "the stored plan's name must be this run's id and attempt")
	}
	return v
}

// checkProdDeploy holds the deploy job: after the plan job, behind the
// approval, the reviewer check first, then exactly the reviewed plan.
func checkProdDeploy(j Job) []string {
	var v []string
	if !slices.Contains(needs(j), "plan") {
		v = append(v, "the deploy job must need the plan job: an apply without a reviewed plan")
	}
	if env := environment(j); env != "production" {
		v = append(v, fmt.Sprintf("the deploy job must use environment production (the approval), uses %q", env))
	}
	if role := roleOf(j); role != "${{ vars.AWS_ROLE_ARN }}" {
		v = append(v, fmt.Sprintf("the deploy job must assume the prod deploy role (the environment's AWS_ROLE_ARN), not %s", role))
	}
	co := findUses(j, "actions/checkout")
	if co < 0 || fmt.Sprint(j.Steps[co].With["ref"]) != "${{ needs.plan.outputs.commit }}" {
		v = append(v, "the deploy job must check out the commit the plan job planned")
	}
	gate := findRun(j, "call approval-gate")
	creds := findUses(j, "aws-actions/configure-aws-credentials")
	deploy := findRun(j, "deploy --env prod")
	switch {
	case gate < 0:
		v = append(v, "the deploy job must check that production requires a reviewer (dagger call approval-gate) before anything else")
	case creds >= 0 && gate > creds || deploy >= 0 && gate > deploy:
		v = append(v, "the approval gate must run before the job takes credentials or deploys")
	case j.Steps[gate].If != "":
		v = append(v, "the approval gate must run unconditionally (no if:)")
	case !strings.Contains(j.Steps[gate].Env["ALLOW"], "vars.ALLOW_PROD_WITHOUT_REVIEW == 'true'"):
		v = append(v, "the only way past the approval gate is the repository variable ALLOW_PROD_WITHOUT_REVIEW=true")
	}
	if deploy < 0 {
		return append(v, "the deploy job does not deploy prod")
	}
	s := j.Steps[deploy]
	for flag, from := range map[string]string{
		`--image "$IMAGE"`:             "IMAGE=${{ needs.plan.outputs.image }}",
		`--plan-run "$RUN"`:            "RUN=${{ needs.plan.outputs.run }}",
		`--plan-digest "$PLAN_SHA256"`: "PLAN_SHA256=${{ needs.plan.outputs.sha256 }}",
		`--commit "$SHA"`:              "SHA=${{ needs.plan.outputs.commit }}",
		`--attestation-public-key "$ATTESTATION_PUBLIC_KEY"`: "ATTESTATION_PUBLIC_KEY=${{ vars.ATTESTATION_PUBLIC_KEY }}",
	} {
		name, value, _ := strings.Cut(from, "=")
		if !strings.Contains(s.Run, flag) || s.Env[name] != value {
			v = append(v, fmt.Sprintf("the deploy must pass %s with %s: exactly what the plan job made and the reviewer approved", flag, from))
		}
	}
	return v
}

// checkDrift returns the violations of drift.yml's gates.
func checkDrift(w *Workflow) []string {
	var v []string
	if s, ok := w.On["schedule"]; !ok || len(s.Crons) == 0 {
		v = append(v, "drift.yml must run on a schedule (a cron entry)")
	}
	if _, ok := w.On["workflow_dispatch"]; !ok {
		v = append(v, "drift.yml must also run by hand (workflow_dispatch)")
	}
	j, ok := w.Jobs["drift"]
	if !ok {
		return append(v, "drift.yml has no drift job")
	}
	if !strings.Contains(w.Raw, "env: [test, prod]") {
		v = append(v, "drift.yml must check both environments (matrix env: [test, prod])")
	}
	if role := roleOf(j); !strings.Contains(role, "PLAN_ROLE_ARN") || strings.Contains(role, "AWS_ROLE_ARN") {
		v = append(v, fmt.Sprintf("drift must run under the read-only plan roles, not %s", role))
	}
	if environment(j) != "" {
		v = append(v, "drift must not use a deployment environment")
	}
	if findRun(j, `drift --env "$ENV"`) < 0 {
		v = append(v, "the drift job does not run drift")
	}
	return v
}

// roleOf is the role the job's configure-aws-credentials assumes.
func roleOf(j Job) string {
	if i := findUses(j, "aws-actions/configure-aws-credentials"); i >= 0 {
		return fmt.Sprint(j.Steps[i].With["role-to-assume"])
	}
	return ""
}

// checkProdIf checks the job condition: every alternative names its event,
// and the workflow_run alternative requires all four guards.
func checkProdIf(cond string) []string {
	var v []string
	guards := []string{
		"github.event.workflow_run.conclusion == 'success'",
		"github.event.workflow_run.event == 'push'",
		"github.event.workflow_run.head_branch == 'develop'",
		// workflows: [test] matches by name: any workflow named test counts.
		"github.event.workflow_run.path == '.github/workflows/test.yml'",
		"github.event.workflow_run.head_repository.full_name == github.repository",
	}
	sawRun := false
	for _, alt := range alternatives(cond) {
		conj := splitTop(alt, "&&")
		event := ""
		for _, c := range conj {
			if m := regexp.MustCompile(`^github\.event_name == '([a-z_]+)'$`).FindStringSubmatch(c); m != nil {
				event = m[1]
			}
		}
		switch event {
		case "":
			v = append(v, fmt.Sprintf("job condition alternative %q does not name its event (github.event_name == '…')", alt))
		case "workflow_run":
			sawRun = true
			for _, g := range guards {
				if !slices.Contains(conj, g) {
					v = append(v, fmt.Sprintf("workflow_run alternative lacks the guard %s", g))
				}
			}
		}
	}
	if !sawRun {
		v = append(v, "job condition has no guarded workflow_run alternative")
	}
	return v
}

// alternatives flattens the top-level || of expr, through parentheses that
// enclose a whole alternative (&& binds tighter than ||).
func alternatives(expr string) []string {
	parts := splitTop(expr, "||")
	if len(parts) == 1 {
		return parts
	}
	var out []string
	for _, p := range parts {
		out = append(out, alternatives(p)...)
	}
	return out
}

// splitTop splits expr on op outside parentheses and quotes, normalising
// whitespace and stripping outer parentheses of each part.
func splitTop(expr, op string) []string {
	expr = strings.Join(strings.Fields(expr), " ")
	expr = strings.TrimPrefix(strings.TrimSuffix(expr, "}}"), "${{")
	expr = stripParens(strings.TrimSpace(expr))
	var parts []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(expr); i++ {
		switch c := expr[i]; {
		case c == '\'':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case depth == 0 && strings.HasPrefix(expr[i:], op):
			parts = append(parts, stripParens(strings.TrimSpace(expr[start:i])))
			start = i + len(op)
			i += len(op) - 1
		}
	}
	return append(parts, stripParens(strings.TrimSpace(expr[start:])))
}

// stripParens removes parentheses that enclose all of s.
func stripParens(s string) string {
	for strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		depth, enclosing := 0, true
		for i := 0; i < len(s)-1; i++ {
			switch s[i] {
			case '(':
				depth++
			case ')':
				depth--
			}
			if depth == 0 {
				enclosing = false
				break
			}
		}
		if !enclosing {
			return s
		}
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}

// checkConcurrency wants group (when the workflow has several groups, the
// one for deploys) with cancel-in-progress false, at workflow or job level.
func checkConcurrency(w *Workflow, job *Concurrency, group string) []string {
	c := w.Concurrency
	if job != nil {
		c = job
	}
	if c == nil || !strings.Contains(c.Group, "'"+group+"'") && c.Group != group {
		return []string{fmt.Sprintf("deploys must share concurrency group %q", group)}
	}
	if c.CancelInProgress != false {
		return []string{fmt.Sprintf("concurrency group %q must set cancel-in-progress: false (never cancel a deploy halfway)", group)}
	}
	return nil
}

func action(uses string) string {
	a, _, _ := strings.Cut(uses, "@")
	return a
}

func findUses(j Job, a string) int {
	return slices.IndexFunc(j.Steps, func(s Step) bool { return action(s.Uses) == a })
}

func findRun(j Job, substr string) int {
	return slices.IndexFunc(j.Steps, func(s Step) bool { return strings.Contains(s.Run, substr) })
}

func needs(j Job) []string {
	switch n := j.Needs.(type) {
	case string:
		return []string{n}
	case []any:
		var out []string
		for _, x := range n {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	return nil
}

func environment(j Job) string {
	switch e := j.Environment.(type) {
	case string:
		return e
	case map[string]any:
		return fmt.Sprint(e["name"])
	}
	return ""
}
