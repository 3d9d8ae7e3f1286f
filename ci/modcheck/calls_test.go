package modcheck

import (
	"context"
	"strings"
	"testing"
)

func coreAPI(t *testing.T) map[string]*Object {
	t.Helper()
	up, err := UpstreamDir(context.Background(), "..")
	if err != nil {
		t.Fatal(err)
	}
	core, err := CoreAPI(up)
	if err != nil {
		t.Fatal(err)
	}
	return core
}

// TestEveryDocumentedCallResolves checks every dagger command of the
// workflows, the GitLab pipeline and the Markdown documents.
func TestEveryDocumentedCallResolves(t *testing.T) {
	t.Parallel()
	m := mustParse(t, repoRoot)
	core := coreAPI(t)
	calls, err := CallsInRepo(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	var inWorkflows, inGitLab int
	for _, c := range calls {
		if strings.HasPrefix(c.Where, ".github/workflows/") {
			inWorkflows++
		}
		if strings.HasPrefix(c.Where, "ci/gitlab/.gitlab-ci.yml:") {
			inGitLab++
		}
		if err := CheckCall(m, core, c); err != nil {
			t.Error(err)
		}
	}
	if inWorkflows < 4 {
		t.Errorf("found %d dagger calls in the workflows; the extraction is broken", inWorkflows)
	}
	// The GitLab pipeline: two plans in the preview, deploy-test, the gate,
	// plan-prod, deploy-prod and three verdicts (module's functions and
	// check are calls too).
	if inGitLab < 10 {
		t.Errorf("found %d dagger calls in ci/gitlab/.gitlab-ci.yml; the extraction is broken", inGitLab)
	}
}

// TestEachCallDefectIsCaught seeds one defect per rule into a good call.
func TestEachCallDefectIsCaught(t *testing.T) {
	t.Parallel()
	m := mustParse(t, repoRoot)
	core := coreAPI(t)
	good := `dagger --progress=plain call \
  --aws-access-key-id env://AWS_ACCESS_KEY_ID --aws-secret-access-key env://AWS_SECRET_ACCESS_KEY \
  --region "$AWS_REGION" \
  deploy --env test --revision "$REVISION" --skip-integration-tests files export --path .deploy`
	cases := []struct{ name, script, want string }{
		{"misspelled function", strings.Replace(good, "deploy --env", "deply --env", 1), `no function or field "deply"`},
		{"unknown flag", strings.Replace(good, "--skip-integration-tests", "--skip-tests", 1), "has no flag --skip-tests"},
		{"missing required flag", strings.Replace(good, "--env test ", "", 1), "deploy needs --env"},
		{"constructor flag after the function", strings.Replace(good, "deploy --env test", "deploy --region x --env test", 1), "has no flag --region"},
		{"secret passed as its value", strings.Replace(good, "env://AWS_ACCESS_KEY_ID", `"$AWS_ACCESS_KEY_ID"`, 1), "never as its value"},
		{"chain ends at an object", strings.Replace(good, " files export --path .deploy", "", 1), "prints only its ID"},
		{"core function that does not exist", strings.Replace(good, "files export", "files exportt", 1), `Directory has no function or field "exportt"`},
		{"core function without its argument", strings.Replace(good, "export --path .deploy", "export", 1), "export needs --path"},
		{"words after a scalar", strings.Replace(good, "files export --path .deploy", "summary files", 1), "which has no function"},
		{"unknown check", "dagger check vett", "no +check function"},
	}
	calls, err := ExtractCalls("good", 1, good)
	if err != nil || len(calls) != 1 {
		t.Fatalf("ExtractCalls = %v, %v", calls, err)
	}
	if err := CheckCall(m, core, calls[0]); err != nil {
		t.Fatalf("the good call: %v", err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			calls, err := ExtractCalls("seeded", 1, c.script)
			if err != nil || len(calls) != 1 {
				t.Fatalf("ExtractCalls = %v, %v", calls, err)
			}
			if err := CheckCall(m, core, calls[0]); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("CheckCall = %v, want %q", err, c.want)
			}
		})
	}
}

func TestExtractCallsReadsScriptsAsTheShellDoes(t *testing.T) {
	t.Parallel()
	script := `# a comment with dagger call nothing
AWS="--aws-access-key-id env://A --aws-secret-access-key env://B"
dagger call $AWS plan --env test summary > summary.md
echo done && dagger call verdict --report ".deploy/result.json" | tee x
dagger call \
  build --revision 'a b' as-tarball export --path out.tar # trailing comment
dagger call preview-comment --summary a.md "${more[@]}"
`
	calls, err := ExtractCalls("s.sh", 10, script)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"s.sh:12: dagger call --aws-access-key-id env://A --aws-secret-access-key env://B plan --env test summary",
		"s.sh:13: dagger call verdict --report .deploy/result.json",
		"s.sh:14: dagger call build --revision a b as-tarball export --path out.tar",
		"s.sh:16: dagger call preview-comment --summary a.md",
	}
	var got []string
	for _, c := range calls {
		got = append(got, c.String())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ExtractCalls =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(calls) == 4 && calls[2].Words[4] != "a b" {
		t.Errorf("a quoted value is one word: %q", calls[2].Words)
	}
}

// TestWebIdentityCallsResolve: the GitLab pipeline's way in, a role and an
// OIDC token instead of keys, resolves against the constructor, and the
// token is a secret: passing its value is refused.
func TestWebIdentityCallsResolve(t *testing.T) {
	t.Parallel()
	m := mustParse(t, repoRoot)
	core := coreAPI(t)
	good := `dagger --progress=plain call --aws-role-arn "$TEST_DEPLOY_ROLE_ARN" --aws-web-identity-token env://GITLAB_OIDC_TOKEN --region "$AWS_REGION" deploy --env test --skip-integration-tests files export --path .deploy`
	cases := []struct{ name, script, want string }{
		{"good", good, ""},
		{"token passed as its value", strings.Replace(good, "env://GITLAB_OIDC_TOKEN", `"$GITLAB_OIDC_TOKEN"`, 1), "never as its value"},
		{"misspelled role flag", strings.Replace(good, "--aws-role-arn", "--aws-role", 1), "has no flag --aws-role"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			calls, err := ExtractCalls("gitlab", 1, c.script)
			if err != nil || len(calls) != 1 {
				t.Fatalf("ExtractCalls = %v, %v", calls, err)
			}
			err = CheckCall(m, core, calls[0])
			switch {
			case c.want == "" && err != nil:
				t.Errorf("CheckCall = %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("CheckCall = %v, want %q", err, c.want)
			}
		})
	}
}
