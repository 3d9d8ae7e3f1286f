package workflows

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gangway-dev/gangway/ci/imageref"
	"github.com/gangway-dev/gangway/ci/imageref/reftest"
	"github.com/gangway-dev/gangway/ci/reporoot"
)

type files struct {
	test, prod, drift string // file contents
	daggerVersion     string
}

func readFiles(t *testing.T) files {
	t.Helper()
	root, err := reporoot.Find(".")
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		data, err := os.ReadFile(filepath.Join(root, ".github", "workflows", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	v, err := EngineVersion(filepath.Join(root, "dagger.json"))
	if err != nil {
		t.Fatal(err)
	}
	return files{test: read("test.yml"), prod: read("prod.yml"), drift: read("drift.yml"), daggerVersion: v}
}

// violations runs every gate on the two workflow texts.
func violations(t *testing.T, f files) []string {
	t.Helper()
	test, err := parse([]byte(f.test))
	if err != nil {
		t.Fatalf("test.yml: %v", err)
	}
	prod, err := parse([]byte(f.prod))
	if err != nil {
		t.Fatalf("prod.yml: %v", err)
	}
	drift, err := parse([]byte(f.drift))
	if err != nil {
		t.Fatalf("drift.yml: %v", err)
	}
	var v []string
	v = append(v, checkCommon(test, f.daggerVersion)...)
	v = append(v, checkTest(test)...)
	v = append(v, checkCommon(prod, f.daggerVersion)...)
	v = append(v, checkProd(prod, test.Name)...)
	v = append(v, checkCommon(drift, f.daggerVersion)...)
	v = append(v, checkDrift(drift)...)
	return v
}

func TestWorkflowsKeepEveryGate(t *testing.T) {
	t.Parallel()
	f := readFiles(t)
	if f.daggerVersion != "0.21.9" {
		t.Errorf("dagger.json engineVersion = %q, want v0.21.9 (the SDK release in ci/go.mod)", f.daggerVersion)
	}
	for _, v := range violations(t, f) {
		t.Error(v)
	}
}

// TestRemovingAGateFails edits the real files, one gate at a time, and
// expects the checks to name what was lost.
func TestRemovingAGateFails(t *testing.T) {
	t.Parallel()
	orig := readFiles(t)
	cases := []struct {
		name      string
		file      string // "test", "prod" or "drift"
		old, new  string
		wantInVio string
	}{
		{"conclusion guard", "prod", "github.event.workflow_run.conclusion == 'success' &&", "", "conclusion == 'success'"},
		{"event guard", "prod", "github.event.workflow_run.event == 'push' &&", "", "event == 'push'"},
		{"branch guard", "prod", "github.event.workflow_run.head_branch == 'develop' &&", "", "head_branch == 'develop'"},
		// A run of another workflow that is also named test.
		{"workflow path guard", "prod", "github.event.workflow_run.path == '.github/workflows/test.yml' &&", "", "path == '.github/workflows/test.yml'"},
		{"same-repository guard", "prod", " &&\n        github.event.workflow_run.head_repository.full_name == github.repository)", ")", "head_repository.full_name"},
		// A tag named develop passes head_branch: only the API knows the branch.
		{"develop holds the commit", "prod", "branches/develop", "tags/develop", "develop holds the tested commit"},
		{"develop check skipped for workflow_run", "prod", "if: github.event_name != 'workflow_dispatch'\n        env:\n          GH_TOKEN: ${{ github.token }}\n          REPO: ${{ github.repository }}\n          SHA: ${{ github.event_name == 'workflow_run'", "if: github.event_name == 'push'\n        env:\n          GH_TOKEN: ${{ github.token }}\n          REPO: ${{ github.repository }}\n          SHA: ${{ github.event_name == 'workflow_run'", "develop holds the tested commit"},
		{"push lookup on any branch", "prod", "&branch=develop", "", "push run of test.yml on develop"},
		{"guards or-ed instead of and-ed", "prod", "github.event.workflow_run.conclusion == 'success' &&", "github.event.workflow_run.conclusion == 'success' ||", "does not name its event"},
		{"unguarded alternative", "prod", "(github.event_name == 'push' && github.ref == 'refs/heads/main')", "github.ref == 'refs/heads/main'", "does not name its event"},
		{"no job condition", "prod", "    if: >-\n", "    x-if: >-\n", "no guarded workflow_run"},
		{"environment", "prod", "environment: production", "environment: prod-no-reviewers", "environment production"},
		{"prod concurrency group", "prod", "group: deploy-production", "group: deploy-${{ github.ref }}", "deploy-production"},
		{"prod cancel-in-progress", "prod", "cancel-in-progress: false", "cancel-in-progress: true", "cancel-in-progress: false"},
		{"tested commit", "prod", "ref: ${{ github.event_name == 'workflow_run' && github.event.workflow_run.head_sha || github.sha }}", "ref: ${{ github.sha }}", "head_sha"},
		{"tested digest run id", "prod", "github.event.workflow_run.id ||", "github.run_id ||", "workflow_run.id"},
		{"artifact name", "prod", "name: tested-image", "name: image", "tested-image"},
		{"actions read", "prod", "actions: read # download", "actions: none # download", "actions: read"},
		// Issue 12's gates on the new jobs.
		{"an apply without the plan job", "prod", "    needs: plan\n", "", "need the plan job"},
		{"an apply of a plan from another run", "prod", "RUN: ${{ needs.plan.outputs.run }}", "RUN: ${{ github.run_id }}", "--plan-run"},
		{"an apply of an unreviewed digest", "prod", "PLAN_SHA256: ${{ needs.plan.outputs.sha256 }}", "PLAN_SHA256: latest", "--plan-digest"},
		{"an apply without the reviewer check", "prod", "          dagger --progress=plain call approval-gate", "          echo skipped approval-gate", "approval-gate"},
		{"approval gate after the credentials", "prod", "      - name: Approval gate\n        env:\n          GH_TOKEN: ${{ github.token }}\n          REPO: ${{ github.repository }}\n          ALLOW: ${{ vars.ALLOW_PROD_WITHOUT_REVIEW == 'true' }}\n        run: |\n          dagger --progress=plain call approval-gate --github-token env://GH_TOKEN --repository \"$REPO\" --allow-without-review=\"$ALLOW\"\n      - uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3\n        with:\n          role-to-assume: ${{ vars.AWS_ROLE_ARN }}\n          aws-region: ${{ vars.AWS_REGION }}\n          mask-aws-account-id: false\n", "      - uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3\n        with:\n          role-to-assume: ${{ vars.AWS_ROLE_ARN }}\n          aws-region: ${{ vars.AWS_REGION }}\n          mask-aws-account-id: false\n      - name: Approval gate\n        env:\n          GH_TOKEN: ${{ github.token }}\n          REPO: ${{ github.repository }}\n          ALLOW: ${{ vars.ALLOW_PROD_WITHOUT_REVIEW == 'true' }}\n        run: |\n          dagger --progress=plain call approval-gate --github-token env://GH_TOKEN --repository \"$REPO\" --allow-without-review=\"$ALLOW\"\n", "before the job takes credentials"},
		{"approval gate skipped", "prod", "      - name: Approval gate\n", "      - name: Approval gate\n        if: false\n", "unconditionally"},
		{"a second way past the approval gate", "prod", "ALLOW: ${{ vars.ALLOW_PROD_WITHOUT_REVIEW == 'true' }}", "ALLOW: true", "ALLOW_PROD_WITHOUT_REVIEW"},
		{"plan job in the protected environment", "prod", "    runs-on: ubuntu-24.04\n    permissions:\n      contents: read\n      actions: read # download", "    runs-on: ubuntu-24.04\n    environment: production\n    permissions:\n      contents: read\n      actions: read # download", "without an environment"},
		{"plan under the deploy role", "prod", "role-to-assume: ${{ vars.PROD_PLAN_ROLE_ARN }}", "role-to-assume: ${{ vars.AWS_ROLE_ARN }}", "read-only prod plan role"},
		{"plan not stored", "prod", `plan --env prod --store-as "$RUN"`, "plan --env prod", "--store-as"},
		{"plan stored under another run", "prod", "RUN: ${{ github.run_id }}-${{ github.run_attempt }}", "RUN: latest", "this run's id and attempt"},
		{"deploy checks out another commit", "prod", "ref: ${{ needs.plan.outputs.commit }}", "ref: main", "the commit the plan job planned"},
		{"prod deploys the digest", "prod", `--image "$IMAGE"`, "", "--image"},
		{"prod without the attestation key", "prod", `--attestation-public-key "$ATTESTATION_PUBLIC_KEY" \`, `\`, "--attestation-public-key"},
		{"prod builds", "prod", "deploy --env prod", "build --revision x && dagger call deploy --env prod", "never build"},
		{"dispatch input", "prod", "required: true", "required: false", "required image input"},
		{"workflow_run source", "prod", "workflows: [test]", "workflows: [anything]", "workflow_run of"},
		{"push branch", "prod", "branches: [main]", "branches: [main, feature]", "push to main"},
		{"pull_request_target", "prod", "  workflow_dispatch:\n", "  pull_request_target:\n  workflow_dispatch:\n", "pull_request_target"},
		{"top-level permissions", "prod", "permissions:\n  contents: read\n", "permissions:\n  contents: write\n", "top-level permissions"},
		{"id-token without a role", "test", "    permissions:\n      contents: read\n    steps:", "    permissions:\n      contents: read\n      id-token: write\n    steps:", "needs no AWS role"},
		{"role without id-token", "prod", "      id-token: write # OIDC: assume the production", "      # OIDC: assume the production", "lacks permissions id-token"},
		{"long-lived keys", "prod", "role-to-assume: ${{ vars.AWS_ROLE_ARN }}", "aws-access-key-id: ${{ secrets.KEY }}", "role-to-assume"},
		{"action on a tag", "prod", "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", "actions/checkout@v7", "not pinned to a full commit SHA"},
		{"action on a branch", "test", "dagger/dagger-for-github@27b130bf0f79a7f6fbbbe0fbca6760dc9bb40a77 # v8.4.1", "dagger/dagger-for-github@main", "not pinned"},
		{"pin without its version", "prod", "@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1", "@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "release in a comment"},
		{"third-party action after prod credentials", "prod", "          role-to-assume: ${{ vars.AWS_ROLE_ARN }}\n          aws-region: ${{ vars.AWS_REGION }}\n          mask-aws-account-id: false\n", "          role-to-assume: ${{ vars.AWS_ROLE_ARN }}\n          aws-region: ${{ vars.AWS_REGION }}\n          mask-aws-account-id: false\n      - uses: dagger/dagger-for-github@27b130bf0f79a7f6fbbbe0fbca6760dc9bb40a77 # v8.4.1\n        with:\n          version: \"0.21.9\"\n", "runs after the AWS credentials"},
		{"expression in a script", "prod", `image=$INPUT_IMAGE;`, `image=${{ inputs.image }};`, "${{ }}"},
		{"dagger version", "test", `version: "0.21.9"`, `version: "latest"`, "dagger-for-github version"},
		{"a Go toolchain in a job", "test", "      - name: Functions\n", "      - uses: actions/setup-go@0123456789abcdef0123456789abcdef01234567 # v6.0.0\n      - name: Functions\n", "Go toolchain"},
		{"summary only on success", "test", "if: always() && hashFiles('.deploy/github/summary.md') != ''", "if: success()", "only on success"},
		{"no summary", "prod", `cat .deploy/github/summary.md >> "$GITHUB_STEP_SUMMARY"`, `true`, "never appends"},
		{"no verdict", "test", "call verdict --report .deploy/result.json", "call version", "no step fails the job"},
		{"verdict before the summary", "prod", "      - name: Summary\n        if: always() && hashFiles('.deploy/github/summary.md') != ''\n        run: |\n          cat .deploy/github/summary.md >> \"$GITHUB_STEP_SUMMARY\"\n          cat .deploy/github/commands\n      - name: Verdict\n        run: dagger --progress=plain call verdict --report .deploy/result.json\n",
			"      - name: Verdict\n        run: dagger --progress=plain call verdict --report .deploy/result.json\n      - name: Summary\n        if: always() && hashFiles('.deploy/github/summary.md') != ''\n        run: |\n          cat .deploy/github/summary.md >> \"$GITHUB_STEP_SUMMARY\"\n          cat .deploy/github/commands\n", "verdict before publishing"},
		{"module check gone", "test", "run: dagger --progress=plain check", "run: echo skipped", "dagger functions and dagger check"},
		{"integration tests need deploy", "test", "    needs: deploy\n", "", "must need deploy"},
		{"gate without the image", "test", `integration-test --url "$APP_URL" --image "$IMAGE"`, `integration-test --url "$APP_URL"`, "--image"},
		{"gate outside the test environment", "test", "    # The test deploy identity signs the gate record, and only it may.\n    environment: test\n", "", "only the test deploy identity signs"},
		{"tested digest artifact", "test", "name: tested-image", "name: image", "tested-image"},
		{"digest published before the verdict", "test", "run: dagger --progress=plain call verdict --report .tests/result.json", "run: echo later", "before the verdict"},
		{"test concurrency group", "test", "'deploy-test'", "format('deploy-test-{0}', github.ref)", "deploy-test"},
		{"test cancel-in-progress", "test", "cancel-in-progress: false", "cancel-in-progress: true", "cancel-in-progress: false"},
		{"deploy on pull requests", "test", "if: github.event_name == 'push'", "if: always()", "push only"},
		{"test push branch", "test", "  push:\n    branches: [develop]", "  push:\n    branches: [develop, main]", "push to develop"},
		{"preview plan", "test", "plan --env test", "plan --env staging", "plan the test"},
		{"preview without prod", "test", "plan --env prod --no-lock", "plan --env test --no-lock", "plan the prod"},
		{"preview locks prod", "test", "plan --env prod --no-lock", "plan --env prod", "--no-lock"},
		{"preview without its comment", "test", "call preview-comment", "call nothing", "preview-comment"},
		{"write permission elsewhere", "test", "      id-token: write # OIDC: assume the test deploy role\n    outputs:", "      id-token: write # OIDC: assume the test deploy role\n      pull-requests: write\n    outputs:", "nothing there writes"},
		{"integration tests run", "test", "integration-test --url", "integration-test --skip", "integration-test against"},
		{"drift never scheduled", "drift", "  schedule:\n    - cron: \"17 5 * * *\"\n", "", "on a schedule"},
		{"drift of one environment", "drift", "env: [test, prod]", "env: [test]", "both environments"},
		{"drift under a deploy role", "drift", "vars.PROD_PLAN_ROLE_ARN || vars.AWS_PLAN_ROLE_ARN", "vars.AWS_ROLE_ARN", "read-only plan roles"},
		{"drift without a verdict", "drift", "call verdict --report .drift/result.json", "call version", "no step fails the job"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := orig
			target := map[string]*string{"test": &f.test, "prod": &f.prod, "drift": &f.drift}[c.file]
			if !strings.Contains(*target, c.old) {
				t.Fatalf("%s.yml no longer contains %q: update this case", c.file, c.old)
			}
			*target = strings.Replace(*target, c.old, c.new, 1)
			vio := violations(t, f)
			for _, v := range vio {
				if strings.Contains(v, c.wantInVio) {
					return
				}
			}
			t.Errorf("after removing %s, no violation mentions %q; got %q", c.name, c.wantInVio, vio)
		})
	}
}

func TestSplitTop(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, op string
		want   []string
	}{
		{"a && b", "&&", []string{"a", "b"}},
		{"(a && b) || (c)", "||", []string{"a && b", "c"}},
		{"(a || b) && c", "&&", []string{"a || b", "c"}},
		{"((a)) || x == 'p||q'", "||", []string{"a", "x == 'p||q'"}},
		{"${{ a\n  && b }}", "&&", []string{"a", "b"}},
	}
	for _, c := range cases {
		got := splitTop(c.in, c.op)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("splitTop(%q, %q) = %q, want %q", c.in, c.op, got, c.want)
		}
	}
}

// The engine, the SDK that modcheck vets against and the CLI that the
// workflows install must be the same release.
func TestEngineVersionMatchesSDK(t *testing.T) {
	t.Parallel()
	root, err := reporoot.Find(".")
	if err != nil {
		t.Fatal(err)
	}
	v, err := EngineVersion(filepath.Join(root, "dagger.json"))
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "ci", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	sdk := ""
	for _, line := range strings.Split(string(gomod), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "dagger.io/dagger" {
			sdk = f[1]
		}
	}
	if got, want := sdk, "v"+v; got != want {
		t.Errorf("ci/go.mod requires dagger.io/dagger %q, dagger.json engineVersion is %q", got, want)
	}
}

func TestAlternatives(t *testing.T) {
	t.Parallel()
	got := alternatives("(a == 'x' && b || c) || (d && e)")
	if want := "a == 'x' && b|c|d && e"; strings.Join(got, "|") != want {
		t.Errorf("alternatives = %q, want %q", strings.Join(got, "|"), want)
	}
}

// TestImageChecksUseTheOneParser holds every workflow's shell check of an
// image reference to imageref.Pattern, and runs it with grep -E on the
// shared table of good and bad references.
func TestImageChecksUseTheOneParser(t *testing.T) {
	t.Parallel()
	f := readFiles(t)
	n := 0
	for name, text := range map[string]string{"test.yml": f.test, "prod.yml": f.prod, "drift.yml": f.drift} {
		w, err := parse([]byte(text))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range imagePatterns(w) {
			n++
			if p != imageref.Pattern {
				t.Errorf("%s checks images with\n  %s\nnot imageref.Pattern\n  %s", name, p, imageref.Pattern)
			}
		}
	}
	if n < 2 {
		t.Fatalf("found %d image checks in the workflows, want the test and prod ones", n)
	}
	for _, c := range reftest.Cases() {
		if strings.Contains(c.Ref, "\n") {
			continue // printf '%s' | grep reads lines; parse refuses these
		}
		cmd := exec.Command("grep", "-Eq", imageref.Pattern)
		cmd.Stdin = strings.NewReader(c.Ref)
		if got := cmd.Run() == nil; got != c.Valid {
			t.Errorf("the workflows' check on %q (%s) = %v, want %v", c.Ref, c.Name, got, c.Valid)
		}
	}
}
