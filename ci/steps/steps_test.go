package steps

import (
	"reflect"
	"strings"
	"testing"
)

const (
	hex64    = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	testRepo = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/gangway-test"
	prodRepo = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/gangway-prod"
)

func TestArgs(t *testing.T) {
	t.Parallel()
	img := testRepo + "@sha256:" + hex64
	cases := []struct {
		name    string
		build   func() ([]string, error)
		want    string
		wantErr string
	}{
		{"plan", func() ([]string, error) { return PlanArgs("test", "/w/p.tfplan", "/w/p.md") }, CLI + " plan --env test --dir terraform --out /w/p.tfplan --summary-md /w/p.md", ""},
		{"plan bad env", func() ([]string, error) { return PlanArgs("staging", "a", "b") }, "", "unknown environment"},
		{"apply fresh", func() ([]string, error) { return ApplyArgs("prod", "") }, CLI + " apply --env prod --dir terraform", ""},
		{"apply plan", func() ([]string, error) { return ApplyArgs("test", "/w/p.tfplan") }, CLI + " apply --env test --dir terraform --plan /w/p.tfplan", ""},
		{"apply empty env", func() ([]string, error) { return ApplyArgs("", "") }, "", "empty"},
		{"outputs", func() ([]string, error) { return OutputsArgs("test") }, CLI + " outputs --env test --dir terraform", ""},
		{"promote", func() ([]string, error) { return PromoteArgs(img) }, CLI + " promote --from test --to prod --image " + img, ""},
		{"promote tag", func() ([]string, error) { return PromoteArgs(testRepo + ":latest") }, "", "not pinned by digest"},
		{"rollout", func() ([]string, error) { return RolloutArgs("test", img) }, CLI + " rollout --env test --image " + img, ""},
		{"rollout bad image", func() ([]string, error) { return RolloutArgs("test", "x@sha256:"+hex64) }, "", "must be REGISTRY/PATH"},
		{"rollback", func() ([]string, error) { return RollbackArgs("prod") }, CLI + " rollback --env prod", ""},
		{"rollback injection", func() ([]string, error) { return RollbackArgs("prod;id") }, "", "unknown environment"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			args, err := c.build()
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(args, " "); got != c.want {
				t.Errorf("args = %q, want %q", got, c.want)
			}
		})
	}
}

func TestParseDigestRef(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, ref, wantRepo, wantErr string
	}{
		{"ecr", testRepo + "@sha256:" + hex64, testRepo, ""},
		{"local registry with port", "127.0.0.1:5000/gangway-test@sha256:" + hex64, "127.0.0.1:5000/gangway-test", ""},
		{"nested path", "ghcr.io/org/gangway-test@sha256:" + hex64, "ghcr.io/org/gangway-test", ""},
		{"tag only", testRepo + ":abc", "", "not pinned by digest"},
		{"tag and digest", testRepo + ":abc@sha256:" + hex64, "", "no tag"},
		{"short digest", testRepo + "@sha256:abc", "", "64 lower-case hex"},
		{"upper-case digest", testRepo + "@sha256:" + strings.ToUpper(hex64), "", "64 lower-case hex"},
		{"sha512", testRepo + "@sha512:" + hex64, "", "sha256"},
		{"no registry", "gangway-test@sha256:" + hex64, "", "REGISTRY/PATH"},
		{"upper-case path", "r.io/Gangway@sha256:" + hex64, "", "REGISTRY/PATH"},
		{"shell", "r.io/x;id@sha256:" + hex64, "", "REGISTRY/PATH"},
		{"empty", "", "", "not pinned"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseDigestRef(c.ref)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("ParseDigestRef(%q) error = %v, want %q", c.ref, err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Repository != c.wantRepo || got.String() != c.ref {
				t.Errorf("ParseDigestRef(%q) = %+v", c.ref, got)
			}
		})
	}
}

func TestValidateTestedAndCheckDeploy(t *testing.T) {
	t.Parallel()
	tested := testRepo + "@sha256:" + hex64
	fromProd := prodRepo + "@sha256:" + hex64
	otherTest := "999999999999.dkr.ecr.eu-west-1.amazonaws.com/gangway-test@sha256:" + hex64
	cases := []struct {
		name    string
		err     error
		wantErr string
	}{
		{"tested matches test repo", errOf(ValidateTested(tested, testRepo)), ""},
		{"tested, url with slash", errOf(ValidateTested(tested, testRepo+"/")), ""},
		{"prod repo refused", errOf(ValidateTested(fromProd, testRepo)), "not from the test repository"},
		{"other account refused", errOf(ValidateTested(otherTest, testRepo)), "not from the test repository"},
		{"name check without url", errOf(ValidateTested(otherTest, "")), ""},
		{"name check refuses prod", errOf(ValidateTested(fromProd, "")), "not from a gangway-test repository"},
		{"prod without image", CheckDeploy("prod", ""), "needs --image"},
		{"prod with tested image", CheckDeploy("prod", tested), ""},
		{"prod with prod image", CheckDeploy("prod", fromProd), "not from a gangway-test"},
		{"prod with tag", CheckDeploy("prod", testRepo+":v1"), "not pinned"},
		{"test builds", CheckDeploy("test", ""), ""},
		{"test with digest", CheckDeploy("test", tested), ""},
		{"test with bad digest", CheckDeploy("test", "nope"), "not pinned"},
		{"unknown env", CheckDeploy("staging", tested), "unknown environment"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if c.wantErr == "" {
				if c.err != nil {
					t.Fatalf("unexpected error: %v", c.err)
				}
				return
			}
			if c.err == nil || !strings.Contains(c.err.Error(), c.wantErr) {
				t.Fatalf("error = %v, want %q", c.err, c.wantErr)
			}
		})
	}
}

func errOf(_ DigestRef, err error) error { return err }

func TestPublishedRef(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want, wantErr string }{
		{testRepo + ":abc123-f00@sha256:" + hex64, testRepo + "@sha256:" + hex64, ""},
		{"127.0.0.1:5000/gangway-test:t@sha256:" + hex64, "127.0.0.1:5000/gangway-test@sha256:" + hex64, ""},
		{"127.0.0.1:5000/gangway-test@sha256:" + hex64, "127.0.0.1:5000/gangway-test@sha256:" + hex64, ""},
		{testRepo + ":abc", "", "no digest"},
	}
	for _, c := range cases {
		got, err := PublishedRef(c.in)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("PublishedRef(%q) error = %v, want %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil || got.String() != c.want {
			t.Errorf("PublishedRef(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestImageTagAndLabels(t *testing.T) {
	t.Parallel()
	cases := []struct{ rev, nonce, want string }{
		{"0123456789abcdef0123", "n1", "0123456789ab-n1"},
		{"", "n2", "dev-n2"},
		{"feature/x y", "n3", "feature-x-y-n3"},
		{"..", "n4", "dev-n4"},
	}
	for _, c := range cases {
		if got := ImageTag(c.rev, c.nonce); got != c.want {
			t.Errorf("ImageTag(%q, %q) = %q, want %q", c.rev, c.nonce, got, c.want)
		}
	}
	got := ImageLabels("abc", "", "v1")
	want := map[string]string{LabelTitle: "gangway", LabelRevision: "abc", LabelVersion: "v1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ImageLabels = %v, want %v", got, want)
	}
	if a, b := Nonce(), Nonce(); a == b || len(a) != 16 {
		t.Errorf("Nonce() gave %q and %q: want two different 16-character values", a, b)
	}
}

func TestParseOutputs(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in string }{
		{"flat", `{"app_url":"http://x","ecr_repository_url":"r/gangway-test","instance_id":"i-1"}`},
		{"terraform shape", `{"app_url":{"value":"http://x","sensitive":false},"ecr_repository_url":{"value":"r/gangway-test"}}`},
		{"nested", `{"outputs":{"app_url":"http://x","ecr_repository_url":"r/gangway-test"}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			o, err := ParseOutputs([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			vals, err := o.Require("app_url", "ecr_repository_url")
			if err != nil {
				t.Fatal(err)
			}
			if got, want := strings.Join(vals, " "), "http://x r/gangway-test"; got != want {
				t.Errorf("Require = %q, want %q", got, want)
			}
		})
	}
	o, _ := ParseOutputs([]byte(`{"app_url":""}`))
	if _, err := o.Require("app_url", "db_endpoint"); err == nil || !strings.Contains(err.Error(), "app_url, db_endpoint") {
		t.Errorf("Require on missing outputs: error = %v", err)
	}
	if _, err := ParseOutputs([]byte("not json")); err == nil {
		t.Error("ParseOutputs(not json): want an error")
	}
}

func TestParseTestJSON(t *testing.T) {
	t.Parallel()
	const pass = `{"Action":"run","Test":"TestHealth"}
{"Action":"output","Test":"TestHealth","Output":"ok\n"}
{"Action":"pass","Test":"TestHealth"}
{"Action":"pass"}
`
	const fail = `{"Action":"run","Test":"TestHealth"}
{"Action":"pass","Test":"TestHealth"}
{"Action":"run","Test":"TestDBStatus"}
{"Action":"output","Test":"TestDBStatus","Output":"status 503\n"}
{"Action":"fail","Test":"TestDBStatus"}
{"Action":"fail"}
`
	cases := []struct {
		name       string
		in         string
		ok         bool
		wantFailed string
		wantInErr  string
	}{
		{"pass", pass, true, "", ""},
		{"one failure", fail, false, "TestDBStatus", "status 503"},
		{"build error", "tests/x.go:1: syntax error\n" + `{"Action":"fail"}` + "\n", false, "(package)", "syntax error"},
		{"empty", "", false, "(package)", "(package)"},
		{"no package result", `{"Action":"pass","Test":"TestHealth"}` + "\n", false, "(package)", ""},
		{"package passed but no test ran", `{"Action":"pass"}` + "\n", false, "", "ran no test"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := ParseTestJSON([]byte(c.in))
			if got := r.OK(); got != c.ok {
				t.Fatalf("OK() = %v, want %v (%+v)", got, c.ok, r)
			}
			if got := strings.Join(r.Failed, ","); got != c.wantFailed {
				t.Errorf("Failed = %q, want %q", got, c.wantFailed)
			}
			err := r.Error()
			if c.ok != (err == nil) {
				t.Fatalf("Error() = %v with OK() = %v", err, c.ok)
			}
			if c.wantInErr != "" && !strings.Contains(err.Error(), c.wantInErr) {
				t.Errorf("Error() = %q, want it to contain %q", err, c.wantInErr)
			}
		})
	}
}

func TestLastLines(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		n    int
		want string
	}{
		{"a\nb\nc\n", 5, "a\nb\nc"},
		{"a\nb\nc", 2, "…\nb\nc"},
		{"", 3, ""},
	}
	for _, c := range cases {
		if got := LastLines(c.in, c.n); got != c.want {
			t.Errorf("LastLines(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}
