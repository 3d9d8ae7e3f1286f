package dotenv

import (
	"strings"
	"testing"

	"github.com/gangway-dev/gangway/ci/gha"
	"github.com/gangway-dev/gangway/ci/tf"
)

// parse reads a dotenv report the way GitLab does for what Render writes:
// one KEY=VALUE a line, split at the first '='.
func parse(t *testing.T, data []byte) map[string]string {
	t.Helper()
	vars := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("line %q has no '='", line)
		}
		vars[k] = v
	}
	return vars
}

func TestRenderRoundTrips(t *testing.T) {
	t.Parallel()
	const image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/gangway-test@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	outs := []gha.Output{{Name: "image", Value: image}, {Name: "app_url", Value: "https://test.example.com"}, {Name: "ok", Value: "true"}, {Name: "empty", Value: ""}}
	data, err := Render(outs)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(data), "GANGWAY_IMAGE="+image+"\nGANGWAY_APP_URL=https://test.example.com\nGANGWAY_OK=true\nGANGWAY_EMPTY=\n"; got != want {
		t.Errorf("Render =\n%s\nwant\n%s", got, want)
	}
	vars := parse(t, data)
	for _, o := range outs {
		if got := vars[Name(o.Name)]; got != o.Value {
			t.Errorf("%s = %q, want %q", Name(o.Name), got, o.Value)
		}
	}
}

// The plan's report carries what the approved deploy job needs: the digest
// of the stored bundle.
func TestRenderPlanOutputs(t *testing.T) {
	t.Parallel()
	sha := strings.Repeat("ab", 32)
	data, err := Render(gha.ForPlan(tf.PlanOutput{Env: "prod", HasChanges: true, StoredKey: "gangway/prod/plans/gitlab-42.tfplan.tar", BundleSHA256: sha}).Outputs)
	if err != nil {
		t.Fatal(err)
	}
	vars := parse(t, data)
	if got := vars["GANGWAY_BUNDLE_SHA256"]; got != sha {
		t.Errorf("GANGWAY_BUNDLE_SHA256 = %q, want %q", got, sha)
	}
	if got := vars["GANGWAY_ENV"]; got != "prod" {
		t.Errorf("GANGWAY_ENV = %q", got)
	}
}

func TestRenderRefuses(t *testing.T) {
	t.Parallel()
	many := make([]gha.Output, maxVariables+1)
	for i := range many {
		many[i] = gha.Output{Name: "v" + strings.Repeat("x", i), Value: "1"}
	}
	cases := []struct {
		name string
		outs []gha.Output
		want string
	}{
		{"line break", []gha.Output{{Name: "error", Value: "a\nb"}}, "one line"},
		{"carriage return", []gha.Output{{Name: "error", Value: "a\rb"}}, "one line"},
		{"blanks", []gha.Output{{Name: "x", Value: " a"}}, "surrounding blanks"},
		{"quoted", []gha.Output{{Name: "x", Value: `"a"`}}, "quoted"},
		{"bad name", []gha.Output{{Name: "app-url", Value: "x"}}, "variable name"},
		{"twice", []gha.Output{{Name: "ok", Value: "true"}, {Name: "OK", Value: "false"}}, "twice"},
		{"too many", many, "variables"},
		{"too big", []gha.Output{{Name: "x", Value: strings.Repeat("a", maxBytes)}}, "bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if _, err := Render(c.outs); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Render error = %v, want one mentioning %q", err, c.want)
			}
		})
	}
}
