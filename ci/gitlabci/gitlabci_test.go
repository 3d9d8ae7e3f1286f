package gitlabci

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gangway-dev/gangway/ci/imageref"
	"github.com/gangway-dev/gangway/ci/imageref/reftest"
	"github.com/gangway-dev/gangway/ci/reporoot"
	"github.com/gangway-dev/gangway/ci/workflows"
)

// realPipeline returns the pipeline's text and dagger.json's engine version.
func realPipeline(t *testing.T) (string, string) {
	t.Helper()
	root, err := reporoot.Find(".")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	v, err := workflows.EngineVersion(filepath.Join(root, "dagger.json"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data), v
}

func violations(t *testing.T, text, version string) []string {
	t.Helper()
	p, err := parse([]byte(text))
	if err != nil {
		t.Fatalf("parsing the pipeline: %v", err)
	}
	return check(p, version)
}

func TestPipelineKeepsEveryGate(t *testing.T) {
	t.Parallel()
	text, version := realPipeline(t)
	for _, v := range violations(t, text, version) {
		t.Error(v)
	}
	p, err := parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name := range p.Jobs {
		names = append(names, name)
	}
	if len(names) != 6 {
		t.Errorf("jobs = %v, want the six of the flow (templates are not jobs)", names)
	}
}

// TestEachMutationIsCaught edits the real file, one gate at a time, and
// expects a violation that names what was lost.
func TestEachMutationIsCaught(t *testing.T) {
	t.Parallel()
	text, version := realPipeline(t)
	deployProdRule := "    - if: $CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_BRANCH == \"main\"\n      when: manual\n"
	cases := []struct {
		name     string
		old, new string
		want     string
	}{
		// The brief's list.
		{"prod apply not manual", deployProdRule, "    - if: $CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_BRANCH == \"main\"\n", "must be manual"},
		{"prod apply manual but skippable", "  allow_failure: false\n  environment:\n    name: production", "  allow_failure: true\n  environment:\n    name: production", "allow_failure: false"},
		{"prod apply manual at job level defaults to skippable", deployProdRule + "  # Blocking: the pipeline waits for the approval; nothing runs past it.\n  allow_failure: false\n", "    - if: $CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_BRANCH == \"main\"\n  when: manual\n", "allow_failure: false"},
		{"no resource_group on the test deploy", "  # group, so deploy and gate are one unit once the group's process mode is\n  # oldest_first (README.md).\n  resource_group: deploy-test\n", "", "deploy-test must hold resource_group deploy-test"},
		{"no resource_group on the gate", "  # in between the deploy and the suite.\n  resource_group: deploy-test\n", "", "integration-tests must hold resource_group deploy-test"},
		{"no resource_group on the prod apply", "    url: $GANGWAY_APP_URL\n  resource_group: deploy-prod\n", "    url: $GANGWAY_APP_URL\n", "deploy-prod must hold resource_group deploy-prod"},
		{"prod apply in another group", "    url: $GANGWAY_APP_URL\n  resource_group: deploy-prod\n", "    url: $GANGWAY_APP_URL\n  resource_group: deploy-prod-$CI_PIPELINE_ID\n", "resource_group deploy-prod"},
		{"gate allowed to fail", "  # in between the deploy and the suite.\n", "  # in between the deploy and the suite.\n  allow_failure: true\n", "integration-tests has allow_failure: true"},
		{"gate runs always", "needs:\n    - job: deploy-test\n      artifacts: true\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_BRANCH == \"develop\"\n", "needs:\n    - job: deploy-test\n      artifacts: true\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_BRANCH == \"develop\"\n      when: always\n", "when: always"},
		{"prod plan runs on failure", "  stage: prod\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_BRANCH == \"main\"\n  # The tested", "  stage: prod\n  when: on_failure\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_BRANCH == \"main\"\n  # The tested", "when: on_failure"},
		{"prod plan without the gate", "  needs:\n    - project: $CI_PROJECT_PATH\n      job: integration-tests\n      ref: develop\n      artifacts: true\n", "", "must need integration-tests of develop"},
		{"prod plan on another branch's gate", "      ref: develop\n", "      ref: main\n", "must need integration-tests of develop"},
		{"prod plan without the gate's artifacts", "      ref: develop\n      artifacts: true\n", "      ref: develop\n      artifacts: false\n", "must need integration-tests of develop"},
		{"prod apply not needing the plan", "  needs:\n    - job: plan-prod\n      artifacts: true\n", "", "must need plan-prod"},
		{"prod apply without the plan job", text[strings.Index(text, "\nplan-prod:\n")+1 : strings.Index(text, "\ndeploy-prod:\n")+1], "", "no job plan-prod"},
		{"apply of a plan from another pipeline", `--plan-run "gitlab-$CI_PIPELINE_ID"`, `--plan-run "$PLAN_RUN"`, "--plan-run"},
		{"apply of the latest plan", `--plan-run "gitlab-$CI_PIPELINE_ID"`, `--plan-run gitlab-latest`, "--plan-run"},
		{"plan stored under another name", `--store-as "gitlab-$CI_PIPELINE_ID"`, `--store-as "gitlab-$CI_COMMIT_SHA"`, "--store-as"},
		{"apply of an unreviewed digest", `--plan-digest "$GANGWAY_BUNDLE_SHA256"`, `--plan-digest "$PLAN_SHA256"`, "--plan-digest"},
		{"prod apply outside production", "    name: production\n", "    name: prod-no-approval\n", "protected environment production"},
		{"another job in production", "  # A plan neither overlaps an apply nor another plan of prod.\n", "  environment:\n    name: production\n    action: prepare\n", "only deploy-prod deploys there"},
		{"prod apply without an environment", "    name: production\n    deployment_tier: production\n    action: start\n    url: $GANGWAY_APP_URL\n", "", "protected environment production"},
		{"prod apply that deploys nothing to the environment", "    name: production\n    deployment_tier: production\n    action: start\n", "    name: production\n    deployment_tier: production\n    action: prepare\n", "protected environment production"},
		{"long-lived keys in the prod apply", `--aws-role-arn "$PROD_DEPLOY_ROLE_ARN" --aws-web-identity-token env://GITLAB_OIDC_TOKEN`, `--aws-access-key-id env://AWS_ACCESS_KEY_ID --aws-secret-access-key env://AWS_SECRET_ACCESS_KEY`, "long-lived AWS keys"},
		{"long-lived keys as variables", "  DOCKER_DRIVER: overlay2\n", "  DOCKER_DRIVER: overlay2\n  AWS_ACCESS_KEY_ID: $PROD_KEY\n", "long-lived AWS keys"},
		{"prod plan under the deploy role", `--aws-role-arn "$PROD_PLAN_ROLE_ARN"`, `--aws-role-arn "$PROD_DEPLOY_ROLE_ARN"`, "read-only prod plan role"},
		{"prod building an image", "    - cat .deploy/summary.md\n    - dagger --progress=plain call verdict --report .deploy/result.json\n  artifacts:\n    when: always\n    paths:\n      - .deploy/summary.md\n      - .deploy/report.json\n      - .deploy/result.json\n    reports:\n      dotenv: .deploy/gitlab/report.env\n", "    - cat .deploy/summary.md\n    - dagger --progress=plain call verdict --report .deploy/result.json\n    - dagger --progress=plain call build --revision \"$CI_COMMIT_SHA\" as-tarball export --path image.tar\n  artifacts:\n    when: always\n    paths:\n      - .deploy/summary.md\n      - .deploy/report.json\n      - .deploy/result.json\n    reports:\n      dotenv: .deploy/gitlab/report.env\n", "never builds"},
		{"prod publishing an image", `deploy --env prod --image "$GANGWAY_TESTED_IMAGE"`, `publish --revision "$CI_COMMIT_SHA" && dagger call deploy --env prod --image "$GANGWAY_TESTED_IMAGE"`, "never builds"},
		{"plan file in artifacts", "      - .plan/plan.md\n      - .plan/plan.json\n", "      - .plan/plan.md\n      - .plan/plan.json\n      - .plan/plan.tfplan\n", "plan file never leaves"},
		{"plan directory in artifacts", "      - .plan/plan.md\n      - .plan/plan.json\n", "      - .plan/\n", "holds the plan file"},
		{"plan directory globbed in artifacts", "      - .plan-test/plan.md\n", "      - .plan-test/*\n", "holds the plan file"},
		{"untracked files in artifacts", "    expose_as: production plan\n", "    expose_as: production plan\n    untracked: true\n", "untracked"},
		// The rest of the contract.
		{"digest of another commit", `GANGWAY_TESTED_IMAGE=$(cat ".tested/$CI_COMMIT_SHA")`, `GANGWAY_TESTED_IMAGE=$(cat .tested/* | head -1)`, "tested digest of its own commit"},
		{"tested digest unchecked", "    - |\n      printf '%s' \"$GANGWAY_TESTED_IMAGE\" | grep -Eq", "    - |\n      printf '%s' \"$GANGWAY_TESTED_IMAGE\" | grep -q", "check the tested digest"},
		{"tested digest not handed on", "    - printf 'GANGWAY_TESTED_IMAGE=%s\\n' \"$GANGWAY_TESTED_IMAGE\" >> .plan/gitlab/report.env\n", "", "hand the tested digest on"},
		{"prod deploys another image", `deploy --env prod --image "$GANGWAY_TESTED_IMAGE"`, `deploy --env prod --image "$IMAGE"`, "--image"},
		{"prod deploys another commit", `--plan-digest "$GANGWAY_BUNDLE_SHA256" --commit "$CI_COMMIT_SHA"`, `--plan-digest "$GANGWAY_BUNDLE_SHA256" --commit "$CI_COMMIT_BEFORE_SHA"`, "--commit"},
		{"prod without the attestation key", "      --attestation-public-key \"$ATTESTATION_PUBLIC_KEY\"\n", "", "--attestation-public-key"},
		{"prod deploy under the plan role", `--aws-role-arn "$PROD_DEPLOY_ROLE_ARN"`, `--aws-role-arn "$PROD_PLAN_ROLE_ARN"`, "prod deploy role"},
		{"test job under a prod role", `--aws-role-arn "$TEST_DEPLOY_ROLE_ARN" --aws-web-identity-token env://GITLAB_OIDC_TOKEN
      --region "$AWS_REGION" --state-bucket`, `--aws-role-arn "$PROD_DEPLOY_ROLE_ARN" --aws-web-identity-token env://GITLAB_OIDC_TOKEN
      --region "$AWS_REGION" --state-bucket`, "that role belongs to"},
		{"prod plan without the lock", `plan --env prod --store-as "gitlab-$CI_PIPELINE_ID"`, `plan --env prod --no-lock --store-as "gitlab-$CI_PIPELINE_ID"`, "with the state lock"},
		{"prod plan in the protected environment", "  # A plan neither overlaps an apply nor another plan of prod.\n", "  environment: production\n", "without an environment"},
		{"prod plan on develop", "  stage: prod\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_BRANCH == \"main\"\n  # The tested", "  stage: prod\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_BRANCH == \"develop\"\n  # The tested", "plan-prod must run only on pushes to main"},
		{"prod apply on any branch", deployProdRule, "    - when: manual\n", "deploy-prod must run only on pushes to main"},
		{"prod apply or-ed condition", deployProdRule, "    - if: $CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_BRANCH == \"main\" || $FORCE == \"1\"\n      when: manual\n", "deploy-prod must run only on pushes to main"},
		{"test deploy in merge requests", "  stage: test\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_BRANCH == \"develop\"\n  environment:", "  stage: test\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n  environment:", "deploy-test must run only on pushes to develop"},
		{"test deploy without rules", "  stage: test\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_BRANCH == \"develop\"\n  environment:", "  stage: test\n  environment:", "no rules"},
		{"test deploy runs the gate itself", "--skip-integration-tests", "", "--skip-integration-tests"},
		{"test deploy interruptible", "  stage: test\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_BRANCH == \"develop\"\n  environment:", "  stage: test\n  interruptible: true\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_BRANCH == \"develop\"\n  environment:", "interruptible: false"},
		{"gate without deploy-test", "  needs:\n    - job: deploy-test\n      artifacts: true\n", "", "must need deploy-test"},
		{"gate without the image", `--image "$GANGWAY_IMAGE" --revision`, `--revision`, "--image"},
		{"gate under a plan role", `--aws-role-arn "$TEST_DEPLOY_ROLE_ARN" --aws-web-identity-token env://GITLAB_OIDC_TOKEN
      --region "$AWS_REGION"
      integration-test`, `--aws-role-arn "$AWS_PLAN_ROLE_ARN" --aws-web-identity-token env://GITLAB_OIDC_TOKEN
      --region "$AWS_REGION"
      integration-test`, "only it signs gate records"},
		{"digest kept before the verdict", "    - dagger --progress=plain call verdict --report .tests/result.json\n", "", "before the verdict"},
		{"tested digest not kept", "      - .tested/\n", "", "keep .tested/"},
		{"no verdict on the test deploy", "dagger --progress=plain call verdict --report .deploy/result.json\n  artifacts:\n    when: always\n    paths:\n      - .deploy/summary.md\n      - .deploy/report.json\n      - .deploy/result.json\n    # GANGWAY", "dagger version\n  artifacts:\n    when: always\n    paths:\n      - .deploy/summary.md\n      - .deploy/report.json\n      - .deploy/result.json\n    # GANGWAY", "never fails on it"},
		{"verdict before the report", "    - cat .tests/summary.md\n    - dagger --progress=plain call verdict --report .tests/result.json\n", "    - dagger --progress=plain call verdict --report .tests/result.json\n    - cat .tests/summary.md\n", "before its report"},
		{"report only on success", "    when: always\n    expire_in: 90 days\n", "    when: on_success\n    expire_in: 90 days\n", "only on success"},
		{"report not kept", "      - .tests/summary.md\n", "", "does not keep .tests/summary.md"},
		{"report not printed", "    - cat .deploy/summary.md\n    - dagger --progress=plain call verdict --report .deploy/result.json\n  artifacts:\n    when: always\n    paths:\n      - .deploy/summary.md\n      - .deploy/report.json\n      - .deploy/result.json\n    # GANGWAY", "    - dagger --progress=plain call verdict --report .deploy/result.json\n  artifacts:\n    when: always\n    paths:\n      - .deploy/summary.md\n      - .deploy/report.json\n      - .deploy/result.json\n    # GANGWAY", "never prints"},
		{"preview locks prod", "plan --env prod --no-lock", "plan --env prod", "--no-lock"},
		{"preview stores a prod plan", "plan --env prod --no-lock", "plan --env prod --no-lock --store-as x", "--no-lock and stores nothing"},
		{"preview for forks", " && $CI_MERGE_REQUEST_SOURCE_PROJECT_PATH == $CI_PROJECT_PATH\n", "\n", "not forks"},
		{"preview under the deploy role", `--aws-role-arn "$AWS_PLAN_ROLE_ARN"`, `--aws-role-arn "$TEST_DEPLOY_ROLE_ARN"`, "read-only plan role"},
		{"preview plans no prod", "plan --env prod --no-lock", "plan --env test --no-lock", "does not plan the prod"},
		{"module check gone", "    - dagger --progress=plain check\n", "", "dagger functions and dagger check"},
		{"ID token printed", "    - dagger version\n", "    - dagger version\n    - echo \"$GITLAB_OIDC_TOKEN\"\n", "never print it"},
		{"ID token as a value", "--aws-web-identity-token env://GITLAB_OIDC_TOKEN\n      --region \"$AWS_REGION\" --state-bucket \"${PROD_TF_STATE_BUCKET:-$TF_STATE_BUCKET}\"\n      --attestation", "--aws-web-identity-token \"$GITLAB_OIDC_TOKEN\"\n      --region \"$AWS_REGION\" --state-bucket \"${PROD_TF_STATE_BUCKET:-$TF_STATE_BUCKET}\"\n      --attestation", "ID token"},
		{"ID token for another audience", "    GITLAB_OIDC_TOKEN:\n      aud: sts.amazonaws.com\n  script:\n    - >-\n      dagger --progress=plain call\n      --aws-role-arn \"$PROD_DEPLOY_ROLE_ARN\"", "    GITLAB_OIDC_TOKEN:\n      aud: https://gitlab.com\n  script:\n    - >-\n      dagger --progress=plain call\n      --aws-role-arn \"$PROD_DEPLOY_ROLE_ARN\"", "aud"},
		{"ID token where no role is assumed", "  stage: preview\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n  script:", "  stage: preview\n  id_tokens:\n    T:\n      aud: sts.amazonaws.com\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n  script:", "assumes no AWS role"},
		{"dagger version", "DAGGER_VERSION=0.21.9", "DAGGER_VERSION=latest", "installs Dagger latest"},
		{"dagger not installed", "    - curl -fsSL https://dl.dagger.io/dagger/install.sh | BIN_DIR=/usr/local/bin DAGGER_VERSION=0.21.9 sh\n", "", "without installing the pinned CLI"},
		{"image on latest", "  image: docker:27.2.0-cli\n", "  image: docker:latest\n", "not pinned"},
		{"an include", "stages: [preview, test, prod]\n", "include:\n  - remote: https://example.com/ci.yml\nstages: [preview, test, prod]\n", "include:"},
		{"a pipeline for every event", "workflow:\n  rules:\n", "workflow:\n  rules:\n    - when: always\n", "every event"},
		{"no pipeline on main", "    - if: $CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_BRANCH == \"main\"\n\nstages", "\nstages", "no pipeline for pushes to main"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(text, c.old) {
				t.Fatalf("the pipeline no longer contains %q: update this case", c.old)
			}
			mutated := strings.Replace(text, c.old, c.new, 1)
			vio := violations(t, mutated, version)
			for _, v := range vio {
				if strings.Contains(v, c.want) {
					if os.Getenv("GITLABCI_SHOW") != "" {
						t.Logf("%d violations; caught by: %s", len(vio), v)
					}
					return
				}
			}
			t.Errorf("after %s, no violation mentions %q; got:\n%s", c.name, c.want, strings.Join(vio, "\n"))
		})
	}
}

// TestImageChecksUseTheOneParser holds the pipeline's shell checks of an
// image reference to imageref.Pattern and runs that pattern with grep -E
// on the shared table of good and bad references.
func TestImageChecksUseTheOneParser(t *testing.T) {
	t.Parallel()
	text, _ := realPipeline(t)
	p, err := parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	patterns := imagePatterns(p)
	if len(patterns) < 2 {
		t.Fatalf("found %d image checks, want the gate's and plan-prod's", len(patterns))
	}
	for _, pat := range patterns {
		if pat != imageref.Pattern {
			t.Errorf("the pipeline checks images with\n  %s\nnot imageref.Pattern\n  %s", pat, imageref.Pattern)
		}
	}
	for _, c := range reftest.Cases() {
		if strings.Contains(c.Ref, "\n") {
			continue
		}
		cmd := exec.Command("grep", "-Eq", imageref.Pattern)
		cmd.Stdin = strings.NewReader(c.Ref)
		if got := cmd.Run() == nil; got != c.Valid {
			t.Errorf("the pipeline's check on %q (%s) = %v, want %v", c.Ref, c.Name, got, c.Valid)
		}
	}
}

func TestParseResolvesExtendsAndDefault(t *testing.T) {
	t.Parallel()
	p, err := parse([]byte(`
default:
  image: base:1.0.0
  interruptible: true
.a:
  variables: {X: "1", Y: "1"}
  script: [a]
  artifacts: {when: always, paths: [x]}
.b:
  extends: .a
  variables: {Y: "2"}
  artifacts: {paths: [y]}
job:
  extends: [.b]
  image: own:2.0.0
  script: [[one, two], three]
`))
	if err != nil {
		t.Fatal(err)
	}
	j := p.Jobs["job"]
	if j == nil || len(p.Jobs) != 1 {
		t.Fatalf("jobs = %v, want job only", p.Jobs)
	}
	if got := strings.Join(j.Script, ","); got != "one,two,three" {
		t.Errorf("script = %q, want the child's, flattened", got)
	}
	if j.Variables["X"] != "1" || j.Variables["Y"] != "2" {
		t.Errorf("variables = %v, want merged key by key", j.Variables)
	}
	if j.Artifacts.When != "always" || strings.Join(j.Artifacts.Paths, ",") != "y" {
		t.Errorf("artifacts = %+v, want when kept and paths replaced", j.Artifacts)
	}
	if imageName(j.Image) != "own:2.0.0" || j.Interruptible == nil || !*j.Interruptible {
		t.Errorf("image %v, interruptible %v: want the job's image and default's interruptible", j.Image, j.Interruptible)
	}
	for _, bad := range []string{"a:\n  extends: b\nb:\n  extends: a\n", "a:\n  extends: .missing\n"} {
		if _, err := parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
	p, err = parse([]byte("job:\n  script: !reference [.x, script]\n"))
	if err != nil || len(p.Unsupported) == 0 {
		t.Errorf("!reference: unsupported = %v, err = %v", p.Unsupported, err)
	}
}
