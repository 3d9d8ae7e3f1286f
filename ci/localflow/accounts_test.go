package localflow

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// Each environment's steps assume its own roles in its own account, with a
// token whose subject is the one GitHub gives its deploy job.
func TestRolesAndTokensPerAccount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env     string
		r       role
		arn     string
		subject string
	}{
		{"test", deployRole, "arn:aws:iam::111111111111:role/gangway-test-deploy", "repo:example-org/gangway:environment:test"},
		{"test", planRole, "arn:aws:iam::111111111111:role/gangway-test-plan", "repo:example-org/gangway:environment:test"},
		{"prod", deployRole, "arn:aws:iam::222222222222:role/gangway-prod-deploy", "repo:example-org/gangway:environment:production"},
		{"prod", hostRole, "arn:aws:iam::222222222222:role/gangway-prod-host", "repo:example-org/gangway:environment:production"},
		{"prod", administrator, "arn:aws:iam::222222222222:role/local-administrator", "repo:example-org/gangway:environment:production"},
	} {
		if got := roleARN(tc.env, tc.r); got != tc.arn {
			t.Errorf("roleARN(%s, %s) = %s, want %s", tc.env, tc.r, got, tc.arn)
		}
		parts := strings.Split(oidcToken(tc.env), ".")
		if len(parts) != 3 {
			t.Fatalf("token of %s has %d parts, want a JWT's 3", tc.env, len(parts))
		}
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		var claims struct{ Sub, Aud string }
		if err := json.Unmarshal(payload, &claims); err != nil || claims.Sub != tc.subject || claims.Aud != "sts.amazonaws.com" {
			t.Errorf("token of %s: claims %+v (%v), want sub %s for sts.amazonaws.com", tc.env, claims, err, tc.subject)
		}
	}
}

// The bootstrap of each account hosts only its environment; prod's
// promotes from test's repository, in test's account.
func TestBootstrapVarsPerAccount(t *testing.T) {
	t.Parallel()
	test, prod := bootstrapVars("test"), bootstrapVars("prod")
	if !slices.Contains(test, `environments={"test":"test"}`) || !slices.Contains(prod, `environments={"prod":"production"}`) {
		t.Errorf("environments: test %v, prod %v", test, prod)
	}
	source := "promotion_source_repository_arn=arn:aws:ecr:us-east-1:111111111111:repository/gangway-test"
	if slices.Contains(test, source) || !slices.Contains(prod, source) {
		t.Errorf("only prod names test's repository as its promotion source: test %v, prod %v", test, prod)
	}
	if !slices.Contains(prod, "state_bucket_name="+stateBucket) {
		t.Errorf("prod's bootstrap does not create the state bucket %s: %v", stateBucket, prod)
	}
}
