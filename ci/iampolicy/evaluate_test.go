package iampolicy_test

import (
	"strings"
	"testing"

	"github.com/gangway-dev/gangway/ci/iampolicy"
)

const (
	roleA   = "arn:aws:iam::111111111111:role/a"
	roleB   = "arn:aws:iam::222222222222:role/b"
	bucket  = "arn:aws:s3:::data"
	objects = "arn:aws:s3:::data/*"
	oidc    = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"
)

func named(name, doc string) *iampolicy.Policy {
	p := iampolicy.MustParse(doc)
	p.Name = name
	return p
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	allowGet := named("id", `{"Version":"2012-10-17","Statement":[{"Sid":"Get","Effect":"Allow","Action":"s3:GetObject","Resource":"`+objects+`"}]}`)
	allowAll := named("all", `{"Statement":{"Sid":"All","Effect":"Allow","Action":"*","Resource":"*"}}`)
	denyGet := named("deny", `{"Statement":{"Sid":"NoGet","Effect":"Deny","Action":"s3:Get*","Resource":"*"}}`)
	boundaryPut := named("boundary", `{"Statement":{"Sid":"Put","Effect":"Allow","Action":"s3:PutObject","Resource":"*"}}`)
	boundaryGet := named("boundary", `{"Statement":{"Sid":"Get","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`)
	notAction := named("na", `{"Statement":{"Sid":"AllButIam","Effect":"Allow","NotAction":["iam:*","sts:*"],"Resource":"*"}}`)
	notResource := named("nr", `{"Statement":{"Sid":"NotData","Effect":"Allow","Action":"s3:*","NotResource":["`+bucket+`","`+objects+`"]}}`)
	bucketPolicyToB := named("bucket", `{"Statement":{"Sid":"B","Effect":"Allow","Principal":{"AWS":"`+roleB+`"},"Action":"s3:GetObject","Resource":"`+objects+`"}}`)
	repoPolicyToAccountB := named("repo", `{"Statement":{"Sid":"AcctB","Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"ecr:BatchGetImage"}}`)
	bucketPolicyToA := named("bucket", `{"Statement":{"Sid":"A","Effect":"Allow","Principal":{"AWS":["`+roleA+`"]},"Action":"s3:GetObject","Resource":"`+objects+`"}}`)
	bucketDenyAll := named("bucket", `{"Statement":{"Sid":"NoTLS","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}}`)
	keyPolicyRoot := named("key", `{"Statement":{"Sid":"Root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:*","Resource":"*"}}`)
	keyPolicyRole := named("key", `{"Statement":{"Sid":"Sign","Effect":"Allow","Principal":{"AWS":"`+roleA+`"},"Action":"kms:Sign","Resource":"*"}}`)
	keyPolicyNotA := named("key", `{"Statement":{"Sid":"NotA","Effect":"Allow","NotPrincipal":{"AWS":"`+roleA+`"},"Action":"kms:Sign","Resource":"*"}}`)
	trust := named("trust", `{"Statement":{"Sid":"GitHub","Effect":"Allow","Principal":{"Federated":"`+oidc+`"},"Action":"sts:AssumeRoleWithWebIdentity",
		"Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":"repo:o/r:environment:test"}}}}`)
	serviceTrust := named("trust", `{"Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}`)

	get := iampolicy.Request{Principal: iampolicy.AWSPrincipal(roleA), Action: "s3:GetObject", Resource: "arn:aws:s3:::data/k"}
	with := func(r iampolicy.Request, f func(*iampolicy.Request)) iampolicy.Request { f(&r); return r }
	assume := func(sub string) iampolicy.Request {
		return iampolicy.Request{Principal: iampolicy.FederatedPrincipal(oidc), Action: "sts:AssumeRoleWithWebIdentity", Resource: "arn:aws:iam::111111111111:role/deploy",
			Context: map[string][]string{"token.actions.githubusercontent.com:aud": {"sts.amazonaws.com"}, "token.actions.githubusercontent.com:sub": {sub}}}
	}
	cases := []struct {
		name     string
		req      iampolicy.Request
		policies iampolicy.Policies
		want     iampolicy.Decision
		deciding string // the Deciding refs joined by ","
	}{
		{"identity allow", get, iampolicy.Policies{Identity: []*iampolicy.Policy{allowGet}}, iampolicy.Allowed, "id#Get"},
		{"no policy", get, iampolicy.Policies{}, iampolicy.ImplicitDeny, ""},
		{"other action", with(get, func(r *iampolicy.Request) { r.Action = "s3:PutObject" }), iampolicy.Policies{Identity: []*iampolicy.Policy{allowGet}}, iampolicy.ImplicitDeny, ""},
		{"action case ignored", with(get, func(r *iampolicy.Request) { r.Action = "S3:getobject" }), iampolicy.Policies{Identity: []*iampolicy.Policy{allowGet}}, iampolicy.Allowed, "id#Get"},
		{"bucket ARN is not an object", with(get, func(r *iampolicy.Request) { r.Resource = bucket }), iampolicy.Policies{Identity: []*iampolicy.Policy{allowGet}}, iampolicy.ImplicitDeny, ""},
		{"deny wins", get, iampolicy.Policies{Identity: []*iampolicy.Policy{allowAll, denyGet}}, iampolicy.ExplicitDeny, "deny#NoGet"},
		{"deny in boundary wins", get, iampolicy.Policies{Identity: []*iampolicy.Policy{allowAll}, Boundary: denyGet}, iampolicy.ExplicitDeny, "deny#NoGet"},
		{"boundary must allow too", get, iampolicy.Policies{Identity: []*iampolicy.Policy{allowAll}, Boundary: boundaryPut}, iampolicy.ImplicitDeny, ""},
		{"boundary and identity allow", get, iampolicy.Policies{Identity: []*iampolicy.Policy{allowAll}, Boundary: boundaryGet}, iampolicy.Allowed, "all#All,boundary#Get"},
		{"boundary alone allows nothing", get, iampolicy.Policies{Boundary: boundaryGet}, iampolicy.ImplicitDeny, ""},
		{"NotAction allows others", get, iampolicy.Policies{Identity: []*iampolicy.Policy{notAction}}, iampolicy.Allowed, "na#AllButIam"},
		{"NotAction excludes", with(get, func(r *iampolicy.Request) { r.Action = "iam:PassRole" }), iampolicy.Policies{Identity: []*iampolicy.Policy{notAction}}, iampolicy.ImplicitDeny, ""},
		{"NotResource excludes", get, iampolicy.Policies{Identity: []*iampolicy.Policy{notResource}}, iampolicy.ImplicitDeny, ""},
		{"NotResource allows others", with(get, func(r *iampolicy.Request) { r.Resource = "arn:aws:s3:::other/k" }), iampolicy.Policies{Identity: []*iampolicy.Policy{notResource}}, iampolicy.Allowed, "nr#NotData"},
		// Resource policies in one account.
		{"resource policy naming the role allows alone", get, iampolicy.Policies{Resource: bucketPolicyToA}, iampolicy.Allowed, "bucket#A"},
		{"resource policy naming another role", get, iampolicy.Policies{Resource: bucketPolicyToB}, iampolicy.ImplicitDeny, ""},
		{"resource policy naming the role, boundary still applies", get, iampolicy.Policies{Resource: bucketPolicyToA, Boundary: boundaryPut}, iampolicy.ImplicitDeny, ""},
		{"resource deny with condition", with(get, func(r *iampolicy.Request) { r.Context = map[string][]string{"aws:SecureTransport": {"false"}} }),
			iampolicy.Policies{Identity: []*iampolicy.Policy{allowGet}, Resource: bucketDenyAll}, iampolicy.ExplicitDeny, "bucket#NoTLS"},
		{"resource deny condition false", with(get, func(r *iampolicy.Request) { r.Context = map[string][]string{"aws:SecureTransport": {"true"}} }),
			iampolicy.Policies{Identity: []*iampolicy.Policy{allowGet}, Resource: bucketDenyAll}, iampolicy.Allowed, "id#Get"},
		// Across accounts.
		{"cross-account needs the resource policy", with(get, func(r *iampolicy.Request) {
			r.Principal = iampolicy.AWSPrincipal(roleB)
			r.Resource = "arn:aws:ecr:us-east-1:111111111111:repository/x"
			r.Action = "ecr:BatchGetImage"
		}), iampolicy.Policies{Identity: []*iampolicy.Policy{allowAll}, Resource: named("repo", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"`+roleA+`"},"Action":"ecr:*"}}`)}, iampolicy.ImplicitDeny, ""},
		{"cross-account without a resource policy", with(get, func(r *iampolicy.Request) {
			r.Principal = iampolicy.AWSPrincipal(roleB)
			r.Resource = "arn:aws:ecr:us-east-1:111111111111:repository/x"
			r.Action = "ecr:BatchGetImage"
		}), iampolicy.Policies{Identity: []*iampolicy.Policy{allowAll}}, iampolicy.ImplicitDeny, ""},
		{"cross-account both allow", with(get, func(r *iampolicy.Request) {
			r.Principal = iampolicy.AWSPrincipal(roleB)
			r.Resource = "arn:aws:ecr:us-east-1:111111111111:repository/x"
			r.Action = "ecr:BatchGetImage"
		}), iampolicy.Policies{Identity: []*iampolicy.Policy{allowAll}, Resource: named("repo", `{"Statement":{"Sid":"B","Effect":"Allow","Principal":{"AWS":"`+roleB+`"},"Action":"ecr:BatchGetImage"}}`)}, iampolicy.Allowed, "all#All,repo#B"},
		{"cross-account resource alone is not enough", with(get, func(r *iampolicy.Request) {
			r.Principal = iampolicy.AWSPrincipal(roleB)
			r.Resource = "arn:aws:ecr:us-east-1:111111111111:repository/x"
			r.Action = "ecr:BatchGetImage"
		}), iampolicy.Policies{Resource: named("repo", `{"Statement":{"Sid":"B","Effect":"Allow","Principal":{"AWS":"`+roleB+`"},"Action":"ecr:BatchGetImage"}}`)}, iampolicy.ImplicitDeny, ""},
		{"cross-account via account principal", with(get, func(r *iampolicy.Request) {
			r.Principal = iampolicy.AWSPrincipal("arn:aws:sts::222222222222:assumed-role/b/session")
			r.Resource = "arn:aws:ecr:us-east-1:111111111111:repository/x"
			r.Action = "ecr:BatchGetImage"
		}), iampolicy.Policies{Identity: []*iampolicy.Policy{allowAll}, Resource: repoPolicyToAccountB}, iampolicy.Allowed, "all#All,repo#AcctB"},
		{"what AWS owns is not another account", with(get, func(r *iampolicy.Request) {
			r.Resource = "arn:aws:ec2:us-east-1:aws:prefix-list/pl-63a5400a"
			r.Action = "ec2:AuthorizeSecurityGroupEgress"
		}), iampolicy.Policies{Identity: []*iampolicy.Policy{allowAll}}, iampolicy.Allowed, "all#All"},
		// Key policies: the key policy must allow.
		{"key policy required: identity alone", with(get, func(r *iampolicy.Request) {
			r.Action = "kms:Sign"
			r.Resource = "arn:aws:kms:us-east-1:111111111111:key/k"
		}),
			iampolicy.Policies{Identity: []*iampolicy.Policy{allowAll}, Resource: keyPolicyRole, ResourceRequired: true}, iampolicy.Allowed, "key#Sign"},
		{"key policy required: other role", with(get, func(r *iampolicy.Request) {
			r.Principal = iampolicy.AWSPrincipal("arn:aws:iam::111111111111:role/other")
			r.Action, r.Resource = "kms:Sign", "arn:aws:kms:us-east-1:111111111111:key/k"
		}), iampolicy.Policies{Identity: []*iampolicy.Policy{allowAll}, Resource: keyPolicyRole, ResourceRequired: true}, iampolicy.ImplicitDeny, ""},
		{"key policy delegating to the account", with(get, func(r *iampolicy.Request) {
			r.Principal = iampolicy.AWSPrincipal("arn:aws:iam::111111111111:role/other")
			r.Action, r.Resource = "kms:Decrypt", "arn:aws:kms:us-east-1:111111111111:key/k"
		}), iampolicy.Policies{Identity: []*iampolicy.Policy{allowAll}, Resource: keyPolicyRoot, ResourceRequired: true}, iampolicy.Allowed, "all#All,key#Root"},
		{"key policy delegating, no identity allow", with(get, func(r *iampolicy.Request) {
			r.Action, r.Resource = "kms:Decrypt", "arn:aws:kms:us-east-1:111111111111:key/k"
		}), iampolicy.Policies{Identity: []*iampolicy.Policy{allowGet}, Resource: keyPolicyRoot, ResourceRequired: true}, iampolicy.ImplicitDeny, ""},
		{"NotPrincipal excludes", with(get, func(r *iampolicy.Request) {
			r.Action, r.Resource = "kms:Sign", "arn:aws:kms:us-east-1:111111111111:key/k"
		}),
			iampolicy.Policies{Resource: keyPolicyNotA, ResourceRequired: true}, iampolicy.ImplicitDeny, ""},
		{"NotPrincipal admits others", with(get, func(r *iampolicy.Request) {
			r.Principal = iampolicy.AWSPrincipal("arn:aws:iam::111111111111:role/other")
			r.Action, r.Resource = "kms:Sign", "arn:aws:kms:us-east-1:111111111111:key/k"
		}), iampolicy.Policies{Resource: keyPolicyNotA, ResourceRequired: true}, iampolicy.Allowed, "key#NotA"},
		// Trust policies.
		{"trust: matching subject", assume("repo:o/r:environment:test"), iampolicy.Policies{Resource: trust, ResourceRequired: true}, iampolicy.Allowed, "trust#GitHub"},
		{"trust: other subject", assume("repo:o/r:environment:prod"), iampolicy.Policies{Resource: trust, ResourceRequired: true}, iampolicy.ImplicitDeny, ""},
		{"trust: other provider", with(assume("repo:o/r:environment:test"), func(r *iampolicy.Request) {
			r.Principal = iampolicy.FederatedPrincipal("arn:aws:iam::111111111111:oidc-provider/example.com")
		}), iampolicy.Policies{Resource: trust, ResourceRequired: true}, iampolicy.ImplicitDeny, ""},
		{"trust: missing audience", with(assume("repo:o/r:environment:test"), func(r *iampolicy.Request) {
			delete(r.Context, "token.actions.githubusercontent.com:aud")
		}), iampolicy.Policies{Resource: trust, ResourceRequired: true}, iampolicy.ImplicitDeny, ""},
		{"trust: service principal", iampolicy.Request{Principal: iampolicy.Principal{Type: "Service", ID: "ec2.amazonaws.com"}, Action: "sts:AssumeRole", Resource: "arn:aws:iam::1:role/host"},
			iampolicy.Policies{Resource: serviceTrust, ResourceRequired: true}, iampolicy.Allowed, "trust#0"},
		{"trust: other service", iampolicy.Request{Principal: iampolicy.Principal{Type: "Service", ID: "lambda.amazonaws.com"}, Action: "sts:AssumeRole", Resource: "arn:aws:iam::1:role/host"},
			iampolicy.Policies{Resource: serviceTrust, ResourceRequired: true}, iampolicy.ImplicitDeny, ""},
		{"aws:PrincipalArn is filled in", with(get, func(r *iampolicy.Request) {
			r.Principal = iampolicy.AWSPrincipal("arn:aws:sts::111111111111:assumed-role/a/s")
		}),
			iampolicy.Policies{Identity: []*iampolicy.Policy{named("pa", `{"Statement":{"Sid":"P","Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ArnEquals":{"aws:PrincipalArn":"`+roleA+`"},"StringEquals":{"aws:PrincipalAccount":"111111111111"}}}}`)}},
			iampolicy.Allowed, "pa#P"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := iampolicy.Evaluate(tc.req, tc.policies)
			if r.Decision != tc.want {
				t.Fatalf("Evaluate = %s, want %s", r, tc.want)
			}
			refs := make([]string, len(r.Deciding))
			for i, ref := range r.Deciding {
				refs[i] = ref.String()
			}
			if got := strings.Join(refs, ","); got != tc.deciding {
				t.Errorf("Evaluate deciding = %q, want %q (%s)", got, tc.deciding, r)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, doc, want string }{
		{"not JSON", `{`, "parsing policy"},
		{"no statement", `{"Version":"2012-10-17"}`, "no Statement"},
		{"unknown element", `{"Statement":[],"Foo":1}`, "unknown element"},
		{"unknown version", `{"Version":"2020-01-01","Statement":[]}`, "unknown version"},
		{"bad effect", `{"Statement":{"Effect":"allow","Action":"*","Resource":"*"}}`, "must be Allow or Deny"},
		{"no effect", `{"Statement":{"Action":"*","Resource":"*"}}`, "no Effect"},
		{"no action", `{"Statement":{"Effect":"Allow","Resource":"*"}}`, "exactly one of Action and NotAction"},
		{"both actions", `{"Statement":{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}}`, "exactly one of Action and NotAction"},
		{"both resources", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"x"}}`, "both Resource and NotResource"},
		{"unknown statement element", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Foo":"x"}}`, "unknown element"},
		{"unsupported operator", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2020-01-01"}}}}`, "not supported"},
		{"Null with IfExists", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NullIfExists":{"k":"true"}}}}`, "not valid"},
		{"bad bool", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"k":"yes"}}}}`, "not true or false"},
		{"bad number", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"k":"ten"}}}}`, "not a number"},
		{"policy variable in a resource", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/${aws:username}/*"}}`, "policy variables"},
		{"policy variable in a condition", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":"${aws:username}"}}}}`, "policy variables"},
		{"bad principal", `{"Statement":{"Effect":"Allow","Principal":"arn:aws:iam::1:root","Action":"*"}}`, "must be \"*\""},
		{"unknown principal type", `{"Statement":{"Effect":"Allow","Principal":{"User":"x"},"Action":"*"}}`, "unknown principal type"},
		{"trailing data", `{"Statement":[]} {}`, "trailing data"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := iampolicy.Parse([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse(%s) error = %v, want one saying %q", tc.doc, err, tc.want)
			}
		})
	}
}

func TestParseForms(t *testing.T) {
	t.Parallel()
	// A statement object, string elements, numbers and booleans as values.
	p, err := iampolicy.Parse([]byte(`{"Version":"2012-10-17","Id":"x","Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject",
		"Condition":{"NumericLessThan":{"s3:max-keys":10},"Bool":{"aws:SecureTransport":true}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(p.Statements), 1; got != want {
		t.Fatalf("statements = %d, want %d", got, want)
	}
	s := p.Statements[0]
	if !s.Principal.Any {
		t.Errorf(`{"AWS": "*"} must mean everyone`)
	}
	if got, want := s.Conditions[0].Values[0], "true"; got != want {
		t.Errorf("Bool value = %q, want %q", got, want)
	}
	if got, want := s.Conditions[1].Values[0], "10"; got != want {
		t.Errorf("number value = %q, want %q", got, want)
	}
}
