package gitlabci

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The project gitlab-ci-local sees: the origin remote of the throw-away
// repository it runs in.
const (
	projectPath = "gangway-dev/gangway"
	remoteURL   = "https://gitlab.com/" + projectPath + ".git"
)

// tool finds gitlab-ci-local: $GITLAB_CI_LOCAL, else where .ci/setup
// installs it ($GITLAB_CI_LOCAL_DIR, by default ~/.cache/gangway/
// gitlab-ci-local), else PATH. Without it the test is skipped, and under
// CI=true it fails.
func tool(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: needs gitlab-ci-local (npm)")
	}
	dir := os.Getenv("GITLAB_CI_LOCAL_DIR")
	if home, err := os.UserHomeDir(); dir == "" && err == nil {
		dir = filepath.Join(home, ".cache", "gangway", "gitlab-ci-local")
	}
	candidates := []string{os.Getenv("GITLAB_CI_LOCAL"), filepath.Join(dir, "node_modules", ".bin", "gitlab-ci-local")}
	if p, err := exec.LookPath("gitlab-ci-local"); err == nil {
		candidates = append(candidates, p)
	}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("gitlab-ci-local is not installed (.ci/setup installs it; or set GITLAB_CI_LOCAL): under CI=true the schema check must run")
	}
	t.Skip("gitlab-ci-local is not installed (.ci/setup installs it)")
	return ""
}

// runTool runs gitlab-ci-local on a pipeline text in a throw-away git
// repository (it reads the project, branch and commit from git) and
// returns its stdout and stderr, and an error when it exited non-zero.
func runTool(t *testing.T, bin, text string, args ...string) (string, string, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(path)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, path), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q", "-b", "main")
	git("add", "-A")
	git("commit", "-q", "-m", "pipeline")
	git("remote", "add", "origin", remoteURL)
	git("update-ref", "refs/remotes/origin/main", "HEAD")
	git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
	cmd := exec.Command(bin, append([]string{"--file", path}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir, "NO_COLOR=1", "FORCE_COLOR=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// pipelineKinds are the variables of each kind of pipeline the workflow
// admits, and the jobs (with their when) each must run.
var pipelineKinds = []struct {
	name string
	vars []string
	jobs map[string]string
}{
	{"merge request to develop", []string{"CI_PIPELINE_SOURCE=merge_request_event", "CI_COMMIT_BRANCH=", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME=develop", "CI_MERGE_REQUEST_SOURCE_PROJECT_PATH=" + projectPath},
		map[string]string{jobModule: "on_success", jobPreview: "on_success"}},
	{"merge request from a fork", []string{"CI_PIPELINE_SOURCE=merge_request_event", "CI_COMMIT_BRANCH=", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME=develop", "CI_MERGE_REQUEST_SOURCE_PROJECT_PATH=someone/fork"},
		map[string]string{jobModule: "on_success"}},
	{"push to develop", []string{"CI_PIPELINE_SOURCE=push", "CI_COMMIT_BRANCH=develop"},
		map[string]string{jobDeployTest: "on_success", jobGate: "on_success"}},
	{"push to main", []string{"CI_PIPELINE_SOURCE=push", "CI_COMMIT_BRANCH=main"},
		map[string]string{jobPlanProd: "on_success", jobDeployProd: "manual"}},
	{"push to a feature branch", []string{"CI_PIPELINE_SOURCE=push", "CI_COMMIT_BRANCH=feature"}, map[string]string{}},
}

// TestToolAcceptsThePipeline runs gitlab-ci-local, which validates the
// file against GitLab's JSON schema, and lists the jobs of each kind of
// pipeline as GitLab's rules select them.
func TestToolAcceptsThePipeline(t *testing.T) {
	t.Parallel()
	bin := tool(t)
	text, _ := realPipeline(t)
	for _, k := range pipelineKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"--list-json"}
			for _, v := range k.vars {
				args = append(args, "--variable", v)
			}
			stdout, stderr, err := runTool(t, bin, text, args...)
			if err != nil {
				t.Fatalf("gitlab-ci-local --list-json: %v\n%s", err, stderr)
			}
			var jobs []struct {
				Name string `json:"name"`
				When string `json:"when"`
			}
			// It warns on stdout too, before the JSON, when a predefined
			// variable is set (as these are, to pick the pipeline kind).
			if i := strings.Index(stdout, "\n["); i >= 0 {
				stdout = stdout[i+1:]
			}
			if err := json.Unmarshal([]byte(stdout), &jobs); err != nil {
				t.Fatalf("reading --list-json: %v\n%s", err, stdout)
			}
			got := map[string]string{}
			for _, j := range jobs {
				if j.When != "never" {
					got[j.Name] = j.When
				}
			}
			if !reflect.DeepEqual(got, k.jobs) {
				t.Errorf("jobs = %v, want %v", got, k.jobs)
			}
		})
	}
}

// TestToolRejectsASchemaError seeds errors GitLab would refuse the file
// for and expects gitlab-ci-local to fail on each: the schema check works.
func TestToolRejectsASchemaError(t *testing.T) {
	t.Parallel()
	bin := tool(t)
	text, _ := realPipeline(t)
	cases := []struct{ name, old, new, want string }{
		{"unknown key", "  resource_group: deploy-prod\n  id_tokens:\n", "  resource_group: deploy-prod\n  approvers: [alice]\n  id_tokens:\n", "approvers"},
		{"unknown when", "      when: manual\n", "      when: after_review\n", "when"},
		{"id token without aud", "    GITLAB_OIDC_TOKEN:\n      aud: sts.amazonaws.com\n  script:\n    - >-\n      dagger --progress=plain call\n      --aws-role-arn \"$PROD_DEPLOY_ROLE_ARN\"", "    GITLAB_OIDC_TOKEN:\n      audience: sts.amazonaws.com\n  script:\n    - >-\n      dagger --progress=plain call\n      --aws-role-arn \"$PROD_DEPLOY_ROLE_ARN\"", "id_tokens"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(text, c.old) {
				t.Fatalf("the pipeline no longer contains %q: update this case", c.old)
			}
			_, stderr, err := runTool(t, bin, strings.Replace(text, c.old, c.new, 1), "--list")
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("gitlab-ci-local accepted the seeded error (err %v)\n%s", err, stderr)
			}
			if !strings.Contains(stderr, "Invalid .gitlab-ci.yml configuration") || !strings.Contains(stderr, c.want) {
				t.Errorf("gitlab-ci-local failed without naming the schema error %q:\n%s", c.want, stderr)
			}
		})
	}
}

// TestToolExpansionMatches holds this package's reading of the file (extends
// merged, scripts flattened) to gitlab-ci-local's own expansion (--preview),
// and runs the gates on that expansion too.
func TestToolExpansionMatches(t *testing.T) {
	t.Parallel()
	bin := tool(t)
	text, version := realPipeline(t)
	stdout, stderr, err := runTool(t, bin, text, "--preview")
	if err != nil {
		t.Fatalf("gitlab-ci-local --preview: %v\n%s", err, stderr)
	}
	ours, err := parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := parse([]byte(stdout))
	if err != nil {
		t.Fatalf("parsing the tool's expansion: %v\n%s", err, stdout)
	}
	names := func(p *Pipeline) []string {
		var out []string
		for n := range p.Jobs {
			out = append(out, n)
		}
		sort.Strings(out)
		return out
	}
	if !slices.Equal(names(ours), names(theirs)) {
		t.Fatalf("jobs: ours %v, the tool's %v", names(ours), names(theirs))
	}
	for _, name := range names(ours) {
		a, b := view(ours.Jobs[name]), view(theirs.Jobs[name])
		for k := range a {
			if a[k] != b[k] {
				t.Errorf("job %s %s:\n ours   %s\n theirs %s", name, k, a[k], b[k])
			}
		}
	}
	for _, v := range check(theirs, version) {
		t.Errorf("on the tool's expansion: %s", v)
	}
}

// view is what the gates read of a job, as comparable strings.
func view(j *Job) map[string]string {
	needs := make([]string, 0, len(j.Needs))
	for _, n := range j.Needs {
		art := n.Artifacts == nil || *n.Artifacts
		needs = append(needs, fmt.Sprintf("%s/%s@%s artifacts=%v optional=%v", n.Project, n.Job, n.Ref, art, n.Optional))
	}
	tokens := map[string]string{}
	for k, v := range j.IDTokens {
		tokens[k] = fmt.Sprint(v.Aud)
	}
	js := func(x any) string {
		data, _ := json.Marshal(x)
		return string(data)
	}
	return map[string]string{
		"scripts":        js(j.Scripts()),
		"stage":          j.Stage,
		"image":          imageName(j.Image),
		"rules":          js(j.Rules),
		"when":           j.When,
		"allow_failure":  js(j.AllowFailure),
		"needs":          js(needs),
		"environment":    js(j.Environment),
		"resource_group": j.ResourceGroup,
		"interruptible":  js(j.Interruptible),
		"id_tokens":      js(tokens),
		"artifacts":      js(j.Artifacts),
	}
}
