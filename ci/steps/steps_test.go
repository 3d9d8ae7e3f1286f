package steps

import (
	"strings"
	"testing"

	"github.com/gangway-dev/gangway/ci/imageref"
	"github.com/gangway-dev/gangway/ci/tf"
)

const (
	hex64    = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	testRepo = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/gangway-test"
	prodRepo = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/gangway-prod"
)

// testOutputs are the test environment's outputs, as far as the command
// lines read them.
var testOutputs = tf.Outputs{
	Environment: "test", ASGName: "gangway-test",
	ImageParameter: "/gangway/test/image", RolloutScriptParameter: "/gangway/test/rollout-script",
}

var prodOutputs = tf.Outputs{
	Environment: "prod", ASGName: "gangway-prod",
	ImageParameter: "/gangway/prod/image", RolloutScriptParameter: "/gangway/prod/rollout-script",
}

func TestArgs(t *testing.T) {
	t.Parallel()
	img, err := imageref.Parse(testRepo + "@sha256:" + hex64)
	if err != nil {
		t.Fatal(err)
	}
	ok := func(args []string) func() ([]string, error) { return func() ([]string, error) { return args, nil } }
	cases := []struct {
		name    string
		build   func() ([]string, error)
		want    string
		wantErr string
	}{
		{"plan", func() ([]string, error) { return PlanArgs("tf", "test", "/w/p.tfplan", "/w/p.md", PlanOptions{}) }, CLI + " plan --env test --dir tf --out /w/p.tfplan --summary-md /w/p.md", ""},
		{"plan stored", func() ([]string, error) {
			return PlanArgs("tf", "prod", "/w/p.tfplan", "/w/p.md", PlanOptions{StoreAs: "123-1", Commit: "abc"})
		}, CLI + " plan --env prod --dir tf --out /w/p.tfplan --summary-md /w/p.md --store-as 123-1 --commit abc", ""},
		{"plan bad env", func() ([]string, error) { return PlanArgs("tf", "staging", "a", "b", PlanOptions{}) }, "", "unknown environment"},
		{"fetch-plan", func() ([]string, error) { return FetchPlanArgs("tf", "prod", "123-1", hex64, "abc", "/w") }, CLI + " fetch-plan --env prod --dir tf --run 123-1 --sha256 " + hex64 + " --out /w --commit abc", ""},
		{"apply plan", func() ([]string, error) { return ApplyArgs("tf", "test", "/w/p.tfplan") }, CLI + " apply --env test --dir tf --plan /w/p.tfplan", ""},
		{"apply fresh", func() ([]string, error) { return ApplyArgs("tf", "prod", "") }, CLI + " apply --env prod --dir tf", ""},
		{"apply empty env", func() ([]string, error) { return ApplyArgs("tf", "", "") }, "", "empty"},
		{"outputs", func() ([]string, error) { return OutputsArgs("tf", "test") }, CLI + " outputs --env test --dir tf", ""},
		{"verify-tested", ok(VerifyTestedArgs(img)), CLI + " verify-tested --image " + img.String(), ""},
		{"attest", ok(AttestArgs(img, 17, "abc")), CLI + " attest --image " + img.String() + " --checks 17 --revision abc", ""},
		{"attest, no revision", ok(AttestArgs(img, 3, "")), CLI + " attest --image " + img.String() + " --checks 3", ""},
		{"promote", ok(PromoteArgs(img, prodRepo)), CLI + " promote --from test --to prod --image " + img.String() + " --to-repository " + prodRepo, ""},
		{"rollout", func() ([]string, error) { return RolloutArgs("test", img, Record{}, testOutputs) },
			CLI + " rollout --env test --image " + img.String() + " --asg gangway-test --image-parameter /gangway/test/image --rollout-script-parameter /gangway/test/rollout-script", ""},
		{"rollout recorded", func() ([]string, error) {
			return RolloutArgs("test", img, Record{Actor: "octocat", Commit: "abc"}, testOutputs)
		},
			CLI + " rollout --env test --image " + img.String() + " --asg gangway-test --image-parameter /gangway/test/image --rollout-script-parameter /gangway/test/rollout-script --actor octocat --commit abc", ""},
		{"rollout, with the 5xx alarm", func() ([]string, error) {
			out := testOutputs
			out.Alarm5xxName = "gangway-test-5xx"
			return RolloutArgs("test", img, Record{}, out)
		},
			CLI + " rollout --env test --image " + img.String() + " --asg gangway-test --image-parameter /gangway/test/image --rollout-script-parameter /gangway/test/rollout-script --alarm gangway-test-5xx", ""},
		{"rollout, another env's outputs", func() ([]string, error) { return RolloutArgs("prod", img, Record{}, testOutputs) }, "", `"test"'s, not "prod"'s`},
		{"rollout, no parameters", func() ([]string, error) { return RolloutArgs("test", img, Record{}, tf.Outputs{Environment: "test"}) }, "", "lack asg_name"},
		{"rollback", func() ([]string, error) { return RollbackArgs("prod", "", Record{}, prodOutputs) }, CLI + " rollback --env prod --asg gangway-prod --image-parameter /gangway/prod/image --rollout-script-parameter /gangway/prod/rollout-script", ""},
		{"rollback to", func() ([]string, error) {
			return RollbackArgs("prod", img.Digest, Record{Actor: "octocat"}, prodOutputs)
		},
			CLI + " rollback --env prod --to " + img.Digest + " --asg gangway-prod --image-parameter /gangway/prod/image --rollout-script-parameter /gangway/prod/rollout-script --actor octocat", ""},
		{"rollback to a reference", func() ([]string, error) { return RollbackArgs("prod", img.String(), Record{}, prodOutputs) }, "", "give the digest only"},
		{"rollback injection", func() ([]string, error) { return RollbackArgs("prod;id", "", Record{}, prodOutputs) }, "", "unknown environment"},
		{"rollback, another env's outputs", func() ([]string, error) { return RollbackArgs("prod", "", Record{}, testOutputs) }, "", `"test"'s, not "prod"'s`},
		{"status", func() ([]string, error) { return StatusArgs("tf", "prod") }, CLI + " status --env prod --dir tf", ""},
		{"history", func() ([]string, error) { return HistoryArgs("test", 5) }, CLI + " history --env test --limit 5", ""},
		{"history negative", func() ([]string, error) { return HistoryArgs("test", -1) }, "", "want 0 (all) or more"},
		{"suite", ok(SuiteArgs()), "go test -json -count=1 ./tests", ""},
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

func TestImageTagAndNonce(t *testing.T) {
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
	if a, b := Nonce(), Nonce(); a == b || len(a) != 16 {
		t.Errorf("Nonce() gave %q and %q: want two different 16-character values", a, b)
	}
}
