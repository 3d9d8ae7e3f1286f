package gitlabci

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// The jobs of the pipeline, by the role they play in the flow.
const (
	jobModule     = "module"
	jobPreview    = "preview"
	jobDeployTest = "deploy-test"
	jobGate       = "integration-tests"
	jobPlanProd   = "plan-prod"
	jobDeployProd = "deploy-prod"
)

// The contract between the jobs.
const (
	// audience is the aud every ID token for AWS names (the audience the
	// IAM OIDC provider lists).
	audience = "sts.amazonaws.com"
	// runName is the name plan-prod stores its plan under and the only one
	// deploy-prod applies: this pipeline's.
	runName = "gitlab-$CI_PIPELINE_ID"
	// testedFile is where a passed gate keeps the digest it tested, named
	// for the commit, and where plan-prod reads it for its own commit.
	testedFile = ".tested/$CI_COMMIT_SHA"
	// The variables the reports and plan-prod hand to later jobs.
	varImage       = "$GANGWAY_IMAGE"
	varAppURL      = "$GANGWAY_APP_URL"
	varTestedImage = "$GANGWAY_TESTED_IMAGE"
	varPlanDigest  = "$GANGWAY_BUNDLE_SHA256"
	commit         = "$CI_COMMIT_SHA"
)

// Conditions of rules: the pipeline kinds.
const (
	condMR      = `$CI_PIPELINE_SOURCE == "merge_request_event"`
	condMRDev   = `$CI_MERGE_REQUEST_TARGET_BRANCH_NAME == "develop"`
	condNotFork = `$CI_MERGE_REQUEST_SOURCE_PROJECT_PATH == $CI_PROJECT_PATH`
	condPush    = `$CI_PIPELINE_SOURCE == "push"`
	condDevelop = `$CI_COMMIT_BRANCH == "develop"`
	condMain    = `$CI_COMMIT_BRANCH == "main"`
)

// roles says which jobs may assume which role (a variable holding its
// ARN): develop's jobs only test's deploy role, main's only prod's roles,
// merge requests only the read-only plan and preview roles.
var roles = map[string][]string{
	"$AWS_PLAN_ROLE_ARN":     {jobPreview},
	"$PROD_PREVIEW_ROLE_ARN": {jobPreview},
	"$TEST_DEPLOY_ROLE_ARN":  {jobDeployTest, jobGate},
	"$PROD_PLAN_ROLE_ARN":    {jobPlanProd},
	"$PROD_DEPLOY_ROLE_ARN":  {jobDeployProd},
}

// groups are the jobs that change (or lock) an environment, with the
// resource group that keeps them one at a time.
var groups = map[string]string{
	jobDeployTest: "deploy-test",
	jobGate:       "deploy-test",
	jobPlanProd:   "deploy-prod",
	jobDeployProd: "deploy-prod",
}

// check returns the violations of every gate; daggerVersion is dagger.json's
// engineVersion without its "v".
func check(p *Pipeline, daggerVersion string) []string {
	var v []string
	for _, u := range p.Unsupported {
		v = append(v, "unsupported: "+u)
	}
	v = append(v, checkWorkflow(p)...)
	v = append(v, checkKeys(p)...)
	names := make([]string, 0, len(p.Jobs))
	for name := range p.Jobs {
		names = append(names, name)
	}
	sort.Strings(names)
	calls := map[string][]Call{}
	for _, name := range names {
		j := p.Jobs[name]
		cs, err := j.Calls()
		if err != nil {
			v = append(v, err.Error())
			continue
		}
		calls[name] = cs
		v = append(v, checkJob(j, cs, daggerVersion)...)
	}
	for _, name := range []string{jobModule, jobPreview, jobDeployTest, jobGate, jobPlanProd, jobDeployProd} {
		if p.Jobs[name] == nil {
			v = append(v, fmt.Sprintf("the pipeline has no job %s", name))
		}
	}
	if j := p.Jobs[jobModule]; j != nil {
		v = append(v, checkModule(j)...)
	}
	if j := p.Jobs[jobPreview]; j != nil {
		v = append(v, checkPreview(j, calls[jobPreview])...)
	}
	if j := p.Jobs[jobDeployTest]; j != nil {
		v = append(v, checkDeployTest(j, calls[jobDeployTest])...)
	}
	if j := p.Jobs[jobGate]; j != nil {
		v = append(v, checkGate(j, calls[jobGate])...)
	}
	if j := p.Jobs[jobPlanProd]; j != nil {
		v = append(v, checkPlanProd(j, calls[jobPlanProd])...)
	}
	if j := p.Jobs[jobDeployProd]; j != nil {
		v = append(v, checkDeployProd(j, calls[jobDeployProd], p.Jobs[jobPlanProd] != nil)...)
	}
	// Whatever runs in main's pipelines or under a prod role is prod's.
	for _, name := range names {
		j := p.Jobs[name]
		if e := j.Environment; e != nil && e.Name == "production" && name != jobDeployProd {
			v = append(v, fmt.Sprintf("job %s uses the environment production: only deploy-prod deploys there", name))
		}
		prod := slices.ContainsFunc(j.Rules, func(r Rule) bool { return r.When != "never" && strings.Contains(r.If, condMain) })
		for _, c := range calls[name] {
			prod = prod || strings.HasPrefix(c.Ctor["aws-role-arn"], "$PROD_")
		}
		if prod {
			v = append(v, checkNoBuild(j, calls[name])...)
		}
	}
	return v
}

// checkWorkflow wants pipelines for exactly three kinds: merge requests to
// develop, pushes to develop and pushes to main.
func checkWorkflow(p *Pipeline) []string {
	var v []string
	want := map[string][]string{
		"merge requests to develop": {condMR, condMRDev},
		"pushes to develop":         {condPush, condDevelop},
		"pushes to main":            {condPush, condMain},
	}
	seen := map[string]bool{}
	for _, r := range p.Workflow.Rules {
		if r.When == "never" {
			continue
		}
		if r.If == "" {
			v = append(v, "a workflow rule without if: creates a pipeline for every event")
			continue
		}
		matched := false
		for kind, conds := range want {
			if hasAll(r.If, conds...) {
				seen[kind], matched = true, true
			}
		}
		if !matched {
			v = append(v, fmt.Sprintf("workflow rule %q: pipelines run only for merge requests to develop and pushes to develop or main", r.If))
		}
	}
	for kind := range want {
		if !seen[kind] {
			v = append(v, "the workflow creates no pipeline for "+kind)
		}
	}
	return v
}

// checkKeys refuses long-lived AWS keys anywhere in the file.
func checkKeys(p *Pipeline) []string {
	var v []string
	keyRE := regexp.MustCompile(`AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|aws-access-key-id|aws-secret-access-key|aws-session-token`)
	for i, line := range strings.Split(p.Raw, "\n") {
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "#") {
			continue
		}
		if m := keyRE.FindString(line); m != "" {
			v = append(v, fmt.Sprintf("line %d: %s: long-lived AWS keys; every job assumes its role with its ID token", i+1, m))
		}
	}
	return v
}

// Any job: no only/except, no stored key, its ID token only for AWS and
// only through env://, the pinned Dagger, its reports kept and its verdict
// after them, no plan file in its artifacts, and each role only in its jobs.
func checkJob(j *Job, calls []Call, daggerVersion string) []string {
	var v []string
	name := j.Name
	if j.Only != nil || j.Except != nil {
		v = append(v, fmt.Sprintf("job %s uses only/except; use rules", name))
	}
	runsDagger := slices.ContainsFunc(j.Scripts(), func(s string) bool { return strings.Contains(s, "dagger ") })
	if runsDagger {
		v = append(v, checkInstall(j, daggerVersion)...)
	}
	assumes := false
	for _, c := range calls {
		role, ok := c.Ctor["aws-role-arn"]
		if !ok {
			continue
		}
		assumes = true
		if allowed, known := roles[role]; !known || !slices.Contains(allowed, name) {
			v = append(v, fmt.Sprintf("job %s assumes %s: that role belongs to %v", name, role, allowed))
		}
		tok := strings.TrimPrefix(c.Ctor["aws-web-identity-token"], "env://")
		if it, ok := j.IDTokens[tok]; !ok || !strings.HasPrefix(c.Ctor["aws-web-identity-token"], "env://") {
			v = append(v, fmt.Sprintf("job %s assumes %s without one of its own ID tokens (--aws-web-identity-token env://NAME, NAME in id_tokens)", name, role))
		} else if fmt.Sprint(it.Aud) != audience {
			v = append(v, fmt.Sprintf("job %s: ID token %s has aud %v, want %s (what the IAM OIDC provider accepts)", name, tok, it.Aud, audience))
		}
	}
	switch {
	case !assumes && len(j.IDTokens) > 0:
		v = append(v, fmt.Sprintf("job %s has id_tokens but assumes no AWS role", name))
	case len(j.IDTokens) > 1:
		v = append(v, fmt.Sprintf("job %s has %d ID tokens; one for AWS is all it needs", name, len(j.IDTokens)))
	}
	for tok := range j.IDTokens {
		for i, line := range j.Scripts() {
			if strings.Contains(strings.ReplaceAll(line, "env://"+tok, ""), tok) {
				v = append(v, fmt.Sprintf("job %s script line %d uses the ID token %s other than as env://%s: never print it or pass its value", name, i+1, tok, tok))
			}
		}
		for k, val := range j.Variables {
			if strings.Contains(fmt.Sprint(val), tok) {
				v = append(v, fmt.Sprintf("job %s copies the ID token %s into the variable %s", name, tok, k))
			}
		}
	}
	v = append(v, checkReports(j, calls)...)
	v = append(v, checkArtifactsHoldNoPlan(j, calls)...)
	for _, c := range calls {
		for _, fn := range c.Chain {
			switch fn.Name {
			case "deploy", "apply", "rollout", "rollback", "promote", "publish":
				env := fn.Flags["env"]
				if fn.Name == "publish" {
					env = "test"
				}
				if want := "deploy-" + env; j.ResourceGroup != want {
					v = append(v, fmt.Sprintf("job %s runs %s for %s outside resource_group %s: two deploys of one environment could overlap", name, fn.Name, env, want))
				}
			}
		}
	}
	if want, ok := groups[name]; ok {
		if j.ResourceGroup != want {
			v = append(v, fmt.Sprintf("job %s must hold resource_group %s (one deploy per environment at a time), has %q", name, want, j.ResourceGroup))
		}
		if j.Interruptible == nil || *j.Interruptible {
			v = append(v, fmt.Sprintf("job %s must set interruptible: false: a newer pipeline never cancels a deploy halfway", name))
		}
		v = append(v, checkNoSkip(j)...)
	}
	return v
}

var installRE = regexp.MustCompile(`^curl -fsSL https://dl\.dagger\.io/dagger/install\.sh \| BIN_DIR=/usr/local/bin DAGGER_VERSION=(\S+) sh$`)

// checkInstall wants the Dagger CLI installed in before_script at the
// engine's release, on a pinned Docker image with the dind service.
func checkInstall(j *Job, version string) []string {
	var v []string
	installed := false
	for _, line := range j.BeforeScript {
		if m := installRE.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			installed = true
			if m[1] != version {
				v = append(v, fmt.Sprintf("job %s installs Dagger %s, want %s (dagger.json engineVersion)", j.Name, m[1], version))
			}
		}
	}
	if !installed {
		v = append(v, fmt.Sprintf("job %s runs dagger without installing the pinned CLI in before_script (curl -fsSL https://dl.dagger.io/dagger/install.sh | BIN_DIR=/usr/local/bin DAGGER_VERSION=%s sh)", j.Name, version))
	}
	image := imageName(j.Image)
	if !pinnedImage(image) {
		v = append(v, fmt.Sprintf("job %s: image %q is not pinned to a release tag", j.Name, image))
	}
	dind := false
	for _, s := range j.Services {
		name := imageName(s)
		if !pinnedImage(name) {
			v = append(v, fmt.Sprintf("job %s: service %q is not pinned to a release tag", j.Name, name))
		}
		dind = dind || strings.HasPrefix(name, "docker:") && strings.HasSuffix(name, "-dind")
	}
	if !dind {
		v = append(v, fmt.Sprintf("job %s runs dagger without the docker:dind service the engine runs in", j.Name))
	}
	return v
}

func imageName(x any) string {
	if m, ok := x.(map[string]any); ok {
		return fmt.Sprint(m["name"])
	}
	if x == nil {
		return ""
	}
	return fmt.Sprint(x)
}

var tagRE = regexp.MustCompile(`^[a-z0-9./-]+:[0-9]+\.[0-9]+\.[0-9]+(-[a-z]+)?$`)

func pinnedImage(name string) bool { return tagRE.MatchString(name) }

// exportDir returns the function whose report a call exports and the
// directory it exports to (… fn … files export --path DIR).
func exportDir(c Call) (fn, dir string) {
	for i, f := range c.Chain {
		if f.Name == "export" && i >= 2 && c.Chain[i-1].Name == "files" {
			return c.Chain[i-2].Name, strings.TrimSuffix(f.Flags["path"], "/")
		}
	}
	return "", ""
}

// checkReports wants each exported report printed and kept as an artifact
// whatever the result, and, for a deploy or a gate, the verdict after both.
func checkReports(j *Job, calls []Call) []string {
	var v []string
	lines := j.Scripts()
	for _, c := range calls {
		fn, dir := exportDir(c)
		switch fn {
		case "plan", "deploy", "integration-test", "drift":
		default:
			continue
		}
		md := dir + "/summary.md"
		if fn == "plan" {
			md = dir + "/plan.md"
		}
		printed := slices.IndexFunc(lines, func(s string) bool { return strings.HasPrefix(s, "cat ") && strings.Contains(s, md) })
		switch {
		case printed < 0:
			v = append(v, fmt.Sprintf("job %s exports %s but never prints %s to its log", j.Name, dir, md))
		case printed < c.Line:
			v = append(v, fmt.Sprintf("job %s prints %s before it exists", j.Name, md))
		}
		switch a := j.Artifacts; {
		case a == nil || !slices.Contains(a.Paths, md):
			v = append(v, fmt.Sprintf("job %s does not keep %s as an artifact", j.Name, md))
		case a.When != "always":
			v = append(v, fmt.Sprintf("job %s keeps its report only on success (artifacts: when: always): a red run would show nothing", j.Name))
		}
		if fn == "plan" {
			continue
		}
		verdict := slices.IndexFunc(calls, func(x Call) bool {
			f, ok := x.Fn("verdict")
			return ok && f.Flags["report"] == dir+"/result.json"
		})
		switch {
		case verdict < 0:
			v = append(v, fmt.Sprintf("job %s exports the %s report but never fails on it (dagger call verdict --report %s/result.json)", j.Name, fn, dir))
		case calls[verdict].Line < c.Line || printed >= 0 && calls[verdict].Line < printed:
			v = append(v, fmt.Sprintf("job %s runs the verdict before its report is exported and printed: a failure would hide why", j.Name))
		}
	}
	return v
}

// checkArtifactsHoldNoPlan refuses a plan file in the artifacts (or the
// cache): a plan can hold sensitive values, and it travels through the
// state bucket (encrypted, named for the run), never as an artifact.
func checkArtifactsHoldNoPlan(j *Job, calls []Call) []string {
	var v []string
	var planDirs []string
	for _, c := range calls {
		if fn, dir := exportDir(c); fn == "plan" {
			planDirs = append(planDirs, dir)
		}
	}
	a := j.Artifacts
	if a == nil {
		return nil
	}
	paths := slices.Clone(a.Paths)
	for _, r := range a.Reports {
		switch r := r.(type) {
		case string:
			paths = append(paths, r)
		case []any:
			for _, x := range r {
				paths = append(paths, fmt.Sprint(x))
			}
		}
	}
	for _, p := range paths {
		clean := strings.TrimSuffix(strings.TrimPrefix(p, "./"), "/")
		if strings.Contains(clean, ".tfplan") || strings.Contains(clean, "binding.json") {
			v = append(v, fmt.Sprintf("job %s keeps %s as an artifact: a plan file never leaves the job that made it except encrypted in the state bucket", j.Name, p))
			continue
		}
		for _, d := range planDirs {
			if clean == d || clean == "." || clean == "" || strings.HasPrefix(clean, d+"/") && strings.ContainsAny(clean, "*?[") || strings.HasPrefix(d, clean+"/") {
				v = append(v, fmt.Sprintf("job %s keeps %s as an artifact, which holds the plan file %s/plan.tfplan: list the report files one by one", j.Name, p, d))
			}
		}
	}
	if len(planDirs) > 0 && a.Untracked {
		v = append(v, fmt.Sprintf("job %s keeps untracked files as artifacts, the plan file among them", j.Name))
	}
	if len(planDirs) > 0 && j.Cache != nil {
		v = append(v, fmt.Sprintf("job %s has a cache: a plan file could be cached", j.Name))
	}
	return v
}

// checkNoSkip holds a job of the deploy chain to run only when everything
// before it passed: no allow_failure, no when: always or on_failure.
func checkNoSkip(j *Job) []string {
	var v []string
	manualOK := j.Name == jobDeployProd
	bad := func(when string) bool {
		switch when {
		case "", "on_success", "never":
			return false
		case "manual":
			return !manualOK
		}
		return true
	}
	if bad(j.When) {
		v = append(v, fmt.Sprintf("job %s has when: %s: it must run only after everything before it passed", j.Name, j.When))
	}
	if j.AllowFailure != nil && j.AllowFailure != false {
		v = append(v, fmt.Sprintf("job %s has allow_failure: %v: a failure there must stop the pipeline before prod", j.Name, j.AllowFailure))
	}
	for _, r := range j.Rules {
		if bad(r.When) {
			v = append(v, fmt.Sprintf("job %s has a rule with when: %s: it must run only after everything before it passed", j.Name, r.When))
		}
		if r.AllowFailure != nil && r.AllowFailure != false {
			v = append(v, fmt.Sprintf("job %s has a rule with allow_failure: %v: a failure there must stop the pipeline before prod", j.Name, r.AllowFailure))
		}
	}
	return v
}

// runsOnly wants every rule of j that runs to require all of conds, and j
// to have rules at all (a job without rules runs in every pipeline).
func runsOnly(j *Job, what string, conds ...string) []string {
	var v []string
	running := 0
	for _, r := range j.Rules {
		if r.When == "never" {
			continue
		}
		running++
		if !hasAll(r.If, conds...) {
			v = append(v, fmt.Sprintf("job %s must run only on %s (rules: if: %s), has %q", j.Name, what, strings.Join(conds, " && "), r.If))
		}
		if r.Changes != nil || r.Exists != nil || r.Variables != nil {
			v = append(v, fmt.Sprintf("job %s: rules with changes/exists/variables are not part of this pipeline's contract", j.Name))
		}
	}
	if running == 0 {
		v = append(v, fmt.Sprintf("job %s has no rules: it would run in every pipeline, not only on %s", j.Name, what))
	}
	return v
}

// hasAll reports whether expr is a conjunction that includes every cond
// (no ||, whose other side could let anything through).
func hasAll(expr string, conds ...string) bool {
	if strings.Contains(expr, "||") {
		return false
	}
	var parts []string
	for _, p := range strings.Split(expr, "&&") {
		parts = append(parts, strings.Join(strings.Fields(strings.Trim(strings.TrimSpace(p), "()")), " "))
	}
	for _, c := range conds {
		if !slices.Contains(parts, c) {
			return false
		}
	}
	return true
}

func checkModule(j *Job) []string {
	v := runsOnly(j, "merge requests", condMR)
	lines := j.Scripts()
	if !slices.Contains(lines, "dagger --progress=plain functions") || !slices.Contains(lines, "dagger --progress=plain check") {
		v = append(v, "job module must run dagger functions and dagger check: the one place a real engine loads the module")
	}
	return v
}

func checkPreview(j *Job, calls []Call) []string {
	v := runsOnly(j, "merge requests from this project (not forks)", condMR, condNotFork)
	if j.Environment != nil {
		v = append(v, "job preview must not use an environment")
	}
	test, prod := findPlan(calls, "test"), findPlan(calls, "prod")
	switch {
	case test == nil:
		v = append(v, "job preview does not plan the test environment")
	case test.Ctor["aws-role-arn"] != "$AWS_PLAN_ROLE_ARN":
		v = append(v, "job preview must plan test under the read-only plan role ($AWS_PLAN_ROLE_ARN)")
	}
	if prod == nil {
		v = append(v, "job preview does not plan the prod environment")
	} else {
		f, _ := prod.Fn("plan")
		if f.Flags["no-lock"] != "true" || f.Flags["store-as"] != "" {
			v = append(v, "job preview plans prod with --no-lock and stores nothing: a merge request's code may change nothing of prod")
		}
		if prod.Ctor["aws-role-arn"] != "$PROD_PREVIEW_ROLE_ARN" {
			v = append(v, "job preview must plan prod under the prod preview role ($PROD_PREVIEW_ROLE_ARN)")
		}
	}
	if j.Artifacts == nil || j.Artifacts.ExposeAs == "" {
		v = append(v, "job preview must expose its plans in the merge request (artifacts: expose_as)")
	}
	return v
}

func findPlan(calls []Call, env string) *Call {
	for i, c := range calls {
		if f, ok := c.Fn("plan"); ok && f.Flags["env"] == env {
			return &calls[i]
		}
	}
	return nil
}

func findFn(calls []Call, fn string) (*Call, Fn) {
	for i, c := range calls {
		if f, ok := c.Fn(fn); ok {
			return &calls[i], f
		}
	}
	return nil, Fn{}
}

func checkDeployTest(j *Job, calls []Call) []string {
	v := runsOnly(j, "pushes to develop", condPush, condDevelop)
	c, f := findFn(calls, "deploy")
	switch {
	case c == nil || f.Flags["env"] != "test":
		v = append(v, "job deploy-test does not deploy --env test")
	default:
		if f.Flags["skip-integration-tests"] != "true" {
			v = append(v, "job deploy-test must pass --skip-integration-tests: the gate is its own job, integration-tests")
		}
		if f.Flags["revision"] != commit {
			v = append(v, "job deploy-test must build the commit it runs (--revision \"$CI_COMMIT_SHA\")")
		}
		if c.Ctor["aws-role-arn"] != "$TEST_DEPLOY_ROLE_ARN" {
			v = append(v, "job deploy-test must assume the test deploy role ($TEST_DEPLOY_ROLE_ARN)")
		}
		_, dir := exportDir(*c)
		if dotenvOf(j) != dir+"/gitlab/report.env" {
			v = append(v, fmt.Sprintf("job deploy-test must hand its outputs on as a dotenv report (%s/gitlab/report.env)", dir))
		}
	}
	if j.Environment == nil || j.Environment.Name != "test" || j.Environment.Action != "" && j.Environment.Action != "start" {
		v = append(v, "job deploy-test must deploy to the environment test")
	}
	return v
}

func dotenvOf(j *Job) string {
	if j.Artifacts == nil {
		return ""
	}
	return fmt.Sprint(j.Artifacts.Reports["dotenv"])
}

func needOf(j *Job, job string) *Need {
	for i, n := range j.Needs {
		if n.Job == job {
			return &j.Needs[i]
		}
	}
	return nil
}

func checkGate(j *Job, calls []Call) []string {
	v := runsOnly(j, "pushes to develop", condPush, condDevelop)
	if n := needOf(j, jobDeployTest); n == nil || n.Project != "" || n.Optional || n.Artifacts != nil && !*n.Artifacts {
		v = append(v, "job integration-tests must need deploy-test (and its dotenv report): it tests what that deploy rolled out")
	}
	c, f := findFn(calls, "integration-test")
	if c == nil {
		return append(v, "job integration-tests does not run integration-test against the deployed service")
	}
	if f.Flags["url"] != varAppURL || f.Flags["image"] != varImage || f.Flags["revision"] != commit {
		v = append(v, `job integration-tests must test --url "$GANGWAY_APP_URL" with --image "$GANGWAY_IMAGE" --revision "$CI_COMMIT_SHA": a passed gate signs the record prod requires for exactly that digest`)
	}
	if c.Ctor["aws-role-arn"] != "$TEST_DEPLOY_ROLE_ARN" {
		v = append(v, "job integration-tests must assume the test deploy role: only it signs gate records")
	}
	lines := j.Scripts()
	verdict, _ := findFn(calls, "verdict")
	record := slices.IndexFunc(lines, func(s string) bool {
		return strings.Contains(s, `> "`+testedFile+`"`) && strings.Contains(s, varImage)
	})
	check := slices.IndexFunc(lines, func(s string) bool { return strings.Contains(s, "grep -Eq") && strings.Contains(s, varImage) })
	switch {
	case record < 0:
		v = append(v, fmt.Sprintf("job integration-tests must keep the tested digest in %s for plan-prod", testedFile))
	case verdict == nil || record < verdict.Line:
		v = append(v, "job integration-tests keeps the tested digest before the verdict on the tests")
	case check < 0 || check > record || check < verdict.Line:
		v = append(v, "job integration-tests must check the digest (grep -Eq) before keeping it")
	}
	if j.Artifacts == nil || !slices.ContainsFunc(j.Artifacts.Paths, func(p string) bool { return strings.TrimSuffix(p, "/") == ".tested" }) {
		v = append(v, "job integration-tests must keep .tested/ as an artifact (plan-prod takes the digest from there)")
	}
	return v
}

func checkPlanProd(j *Job, calls []Call) []string {
	v := runsOnly(j, "pushes to main", condPush, condMain)
	gate := slices.IndexFunc(j.Needs, func(n Need) bool {
		return n.Job == jobGate && n.Project == "$CI_PROJECT_PATH" && n.Ref == "develop" && n.Artifacts != nil && *n.Artifacts
	})
	if gate < 0 {
		v = append(v, "job plan-prod must need integration-tests of develop (needs: project: $CI_PROJECT_PATH, ref: develop, artifacts: true): prod takes only a digest the gate passed")
	}
	if j.Environment != nil {
		v = append(v, "job plan-prod must run without an environment: its plan is what the approver approves")
	}
	lines := j.Scripts()
	read := slices.IndexFunc(lines, func(s string) bool {
		return strings.HasPrefix(s, "GANGWAY_TESTED_IMAGE=$(cat \""+testedFile+"\")")
	})
	check := slices.IndexFunc(lines, func(s string) bool { return strings.Contains(s, "grep -Eq") && strings.Contains(s, varTestedImage) })
	c, f := findFn(calls, "plan")
	switch {
	case read < 0:
		v = append(v, fmt.Sprintf("job plan-prod must take the tested digest of its own commit (GANGWAY_TESTED_IMAGE=$(cat %q))", testedFile))
	case check < read:
		v = append(v, "job plan-prod must check the tested digest (grep -Eq) after reading it")
	case c != nil && check > c.Line:
		v = append(v, "job plan-prod must check the tested digest before it plans")
	}
	if c == nil || f.Flags["env"] != "prod" {
		return append(v, "job plan-prod does not plan prod")
	}
	if f.Flags["store-as"] != runName || f.Flags["commit"] != commit || f.Flags["no-lock"] != "" {
		v = append(v, fmt.Sprintf(`job plan-prod must store its plan for this pipeline (--store-as %q) from this commit (--commit %q), with the state lock`, runName, commit))
	}
	if c.Ctor["aws-role-arn"] != "$PROD_PLAN_ROLE_ARN" {
		v = append(v, fmt.Sprintf("job plan-prod must plan under the read-only prod plan role ($PROD_PLAN_ROLE_ARN), not %s", c.Ctor["aws-role-arn"]))
	}
	_, dir := exportDir(*c)
	env := dir + "/gitlab/report.env"
	if dotenvOf(j) != env {
		v = append(v, fmt.Sprintf("job plan-prod must hand the plan's digest on as a dotenv report (%s)", env))
	}
	if !slices.ContainsFunc(lines, func(s string) bool {
		return strings.Contains(s, "GANGWAY_TESTED_IMAGE=%s") && strings.Contains(s, varTestedImage) && strings.HasSuffix(s, ">> "+env)
	}) {
		v = append(v, fmt.Sprintf("job plan-prod must hand the tested digest on in %s (GANGWAY_TESTED_IMAGE)", env))
	}
	if j.Artifacts != nil && j.Artifacts.ExposeAs == "" {
		v = append(v, "job plan-prod must expose the production plan (artifacts: expose_as)")
	}
	return v
}

func checkDeployProd(j *Job, calls []Call, havePlan bool) []string {
	v := runsOnly(j, "pushes to main", condPush, condMain)
	if !havePlan {
		v = append(v, "deploy-prod applies a plan no job made: the pipeline has no plan-prod")
	}
	if n := needOf(j, jobPlanProd); n == nil || n.Project != "" || n.Optional || n.Artifacts != nil && !*n.Artifacts {
		v = append(v, "job deploy-prod must need plan-prod (and its dotenv report): an apply without a reviewed plan")
	}
	// Each rule that runs it decides its when, or leaves the job's.
	manual := len(j.Rules) > 0 || j.When == "manual"
	for _, r := range j.Rules {
		when := r.When
		if when == "" {
			when = j.When
		}
		if when != "never" && when != "manual" {
			manual = false
		}
	}
	if !manual {
		v = append(v, "job deploy-prod must be manual (when: manual): production waits for a person")
	}
	if j.AllowFailure != false {
		v = append(v, "job deploy-prod must set allow_failure: false: a manual job GitLab may skip lets the pipeline pass without the approval")
	}
	if e := j.Environment; e == nil || e.Name != "production" || e.Action != "" && e.Action != "start" {
		v = append(v, "job deploy-prod must deploy to the protected environment production (its approvers and allowed deployers)")
	}
	c, f := findFn(calls, "deploy")
	if c == nil || f.Flags["env"] != "prod" {
		return append(v, "job deploy-prod does not deploy prod")
	}
	for flag, want := range map[string]string{"image": varTestedImage, "plan-run": runName, "plan-digest": varPlanDigest, "commit": commit} {
		if got := f.Flags[flag]; got != want {
			v = append(v, fmt.Sprintf(`job deploy-prod must pass --%s %q, has %q: exactly what plan-prod made and the approver saw`, flag, want, got))
		}
	}
	if got := c.Ctor["attestation-public-key"]; got != "$ATTESTATION_PUBLIC_KEY" {
		v = append(v, fmt.Sprintf(`job deploy-prod must pass --attestation-public-key "$ATTESTATION_PUBLIC_KEY" (prod trusts that key only), has %q`, got))
	}
	if c.Ctor["aws-role-arn"] != "$PROD_DEPLOY_ROLE_ARN" {
		v = append(v, "job deploy-prod must assume the prod deploy role ($PROD_DEPLOY_ROLE_ARN)")
	}
	return v
}

// checkNoBuild holds a prod job to promoting: no build, no publish.
func checkNoBuild(j *Job, calls []Call) []string {
	var v []string
	for _, x := range calls {
		for _, fn := range x.Chain {
			if fn.Name == "build" || fn.Name == "publish" {
				v = append(v, fmt.Sprintf("job %s runs %s: prod never builds or publishes an image, it promotes the tested digest", j.Name, fn.Name))
			}
		}
	}
	if slices.ContainsFunc(j.Scripts(), func(s string) bool { return strings.Contains(s, "docker build") || strings.Contains(s, "docker push") }) {
		v = append(v, fmt.Sprintf("job %s builds or pushes with docker: prod never builds an image, it promotes the tested digest", j.Name))
	}
	return v
}

// imagePatterns returns the patterns the pipeline's scripts check image
// references with (grep -Eq '…'), which must be imageref.Pattern.
func imagePatterns(p *Pipeline) []string {
	re := regexp.MustCompile(`grep -Eq '([^']*sha256[^']*)'`)
	var out []string
	for _, j := range p.Jobs {
		for _, s := range j.Scripts() {
			for _, m := range re.FindAllStringSubmatch(s, -1) {
				out = append(out, m[1])
			}
		}
	}
	return out
}
