package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/gangway-dev/gangway/ci/history"
	"github.com/gangway-dev/gangway/ci/release"
	"github.com/gangway-dev/gangway/internal/components"
)

// motoClients are S3 and ECR clients of m, for a test's setup and checks.
func motoClients(t *testing.T, m *components.Moto) (*s3.Client, *ecr.Client) {
	t.Helper()
	cfg := m.AWSConfig()
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle, o.DisableLogOutputChecksumValidationSkipped = true, true }), ecr.NewFromConfig(cfg)
}

// records is env's deploy history in the test's state bucket, newest first.
func records(t *testing.T, api *s3.Client, env string) []history.Record {
	t.Helper()
	got, err := history.Store{S3: api, Bucket: "gangway-state"}.List(context.Background(), env, 0)
	if err != nil && !strings.Contains(err.Error(), "never deployed") {
		t.Fatal(err)
	}
	return got
}

// Every rollout and rollback writes a deploy record, failed ones too; a
// rollback --to refuses, before any host is touched, an environment never
// deployed and a digest its repository does not hold. moto answers SSM's
// DescribeInstanceInformation with 500, so each rollout that gets as far
// as the hosts fails there: that is the point where a refused one would
// have touched them.
func TestRolloutAndRollbackWriteHistory(t *testing.T) {
	t.Parallel()
	m := components.MotoT(t)
	env := motoEnv(t, m)
	env["GITHUB_ACTOR"], env["GITHUB_SHA"] = "octocat", "0123abcd"
	api, registryAPI := motoClients(t, m)
	ctx := context.Background()
	if _, err := api.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("gangway-state")}); err != nil {
		t.Fatal(err)
	}
	repo, err := registryAPI.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("gangway-test")})
	if err != nil {
		t.Fatal(err)
	}
	repoURL := aws.ToString(repo.Repository.RepositoryUri)
	manifest := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:` + hex64 + `","size":2},"layers":[]}`
	sum := sha256.Sum256([]byte(manifest))
	earlier := "sha256:" + hex.EncodeToString(sum[:])
	if _, err := registryAPI.PutImage(ctx, &ecr.PutImageInput{
		RepositoryName: aws.String("gangway-test"), ImageManifest: aws.String(manifest), ImageDigest: aws.String(earlier),
		ImageManifestMediaType: aws.String("application/vnd.oci.image.manifest.v1+json"), ImageTag: aws.String("build-1"),
	}); err != nil {
		t.Fatal(err)
	}
	missing := "sha256:" + strings.Repeat("e", 64)

	// Never deployed: nothing to roll back to, said plainly.
	code, stdout, stderr := run(t, env, "rollback", "--env", "test", "--to", earlier)
	if code != ExitUsage || !strings.Contains(stderr, "test was never deployed by the pipeline") || stdout != "" {
		t.Fatalf("rollback --to before any deploy: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	deployed := repoURL + "@sha256:" + hex64
	code, stdout, stderr = run(t, env, "rollout", "--env", "test", "--image", deployed, "--commit", "feedface")
	if code != ExitFailure || !strings.Contains(stdout, `"status": "failed"`) || !strings.Contains(stderr, "deploy record written") {
		t.Fatalf("rollout against moto: exit %d, stdout %q, stderr %q; want the SSM failure, its report and its record", code, stdout, stderr)
	}
	got := records(t, api, "test")
	if len(got) != 1 {
		t.Fatalf("records after one rollout = %+v, want 1", got)
	}
	r := got[0]
	if r.Kind != "rollout" || r.Image != deployed || r.Actor != "octocat" || r.Commit != "feedface" || r.Result != "failed" ||
		r.Error == "" || r.Finished.Before(r.Started) || r.Seconds <= 0 {
		t.Errorf("rollout record = %+v", r)
	}

	// A digest the repository does not hold is refused before any host
	// (no SSM call, no record); so is a malformed one, before any AWS call.
	code, stdout, stderr = run(t, env, "rollback", "--env", "test", "--to", missing)
	if code != ExitUsage || !strings.Contains(stderr, "is not in the test repository "+repoURL) ||
		!strings.Contains(stderr, "no host was touched") || strings.Contains(stderr, "DescribeInstanceInformation") || stdout != "" {
		t.Errorf("rollback --to a missing digest: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	for _, bad := range []string{"latest", deployed, "sha256:" + strings.Repeat("A", 64)} {
		code, _, stderr = run(t, env, "rollback", "--env", "test", "--to", bad)
		if code != ExitUsage || !strings.Contains(stderr, "--to: digest") || strings.Contains(stderr, "AWS credentials accepted") {
			t.Errorf("rollback --to %q: exit %d, stderr %q; want a usage error before any AWS call", bad, code, stderr)
		}
	}
	if got := records(t, api, "test"); len(got) != 1 {
		t.Errorf("records after refused rollbacks = %d, want still 1", len(got))
	}

	// A digest still there goes on to the hosts as a deploy of that image,
	// recorded as a rollback (GITHUB_SHA when no --commit; --actor over
	// GITHUB_ACTOR).
	code, stdout, stderr = run(t, env, "rollback", "--env", "test", "--to", earlier, "--actor", "ana",
		"--image-parameter", "/gangway/test/image", "--rollout-script-parameter", "/gangway/test/rollout-script")
	if code != ExitFailure || !strings.Contains(stdout, `"mode": "rollback"`) || !strings.Contains(stdout, `"image": "`+repoURL+"@"+earlier+`"`) {
		t.Fatalf("rollback --to an earlier digest: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// ... recorded for booting hosts before the hosts were asked, and put
	// back to what it was (nothing) when they could not be reached.
	if p, err := motoSSMClient(t, m).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/gangway/test/image")}); err != nil || aws.ToString(p.Parameter.Value) != release.NothingReleased {
		t.Errorf("image parameter after the failed rollback --to: %v; want it put back to %s", err, release.NothingReleased)
	}
	got = records(t, api, "test")
	if len(got) != 2 || got[0].Kind != "rollback" || got[0].Image != repoURL+"@"+earlier || got[0].Commit != "0123abcd" || got[0].Actor != "ana" {
		t.Errorf("records after the rollback = %+v", got)
	}

	// A bucket that is not there stops the rollout before any host.
	code, stdout, stderr = run(t, env, "rollout", "--env", "test", "--image", deployed, "--state-bucket", "no-such-bucket")
	if code != ExitUsage || stdout != "" || !strings.Contains(stderr, "no host was touched") || strings.Contains(stderr, "DescribeInstanceInformation") {
		t.Errorf("rollout with no bucket for its record: exit %d, stdout %q, stderr %q; want a refusal before any host", code, stdout, stderr)
	}

	// A record that cannot be written (the role may not put it) is
	// reported after the rollout's own result, which stays on stdout.
	denied := denyHistoryWrites(t, m.Endpoint)
	deniedEnv := maps.Clone(env)
	deniedEnv["AWS_ENDPOINT_URL"] = denied
	code, stdout, stderr = run(t, deniedEnv, "rollout", "--env", "test", "--image", deployed)
	if code != ExitFailure || !strings.Contains(stdout, `"status": "failed"`) {
		t.Errorf("rollout whose record is denied: exit %d, stdout %q", code, stdout)
	}
	iRollout, iRecord := strings.Index(stderr, "deploy of test:"), strings.Index(stderr, "its deploy record was NOT written")
	if iRollout < 0 || iRecord < iRollout || !strings.Contains(stderr, "s3:PutObject on s3://gangway-state/gangway/test/history/*") || !strings.Contains(stderr, "AccessDenied") {
		t.Errorf("stderr = %q; want the rollout's failure, then the missing record and where", stderr)
	}
	if got := records(t, api, "test"); len(got) != 2 {
		t.Errorf("records after the denied write = %d, want still 2", len(got))
	}
}

// denyHistoryWrites stands in front of moto and answers every PutObject
// under a history prefix as S3 answers a role without s3:PutObject there.
func denyHistoryWrites(t *testing.T, moto string) string {
	t.Helper()
	target, _ := url.Parse(moto)
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/history/") {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>1</RequestId></Error>`))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// ssmShim stands in front of moto for the SSM calls moto cannot answer as
// a fleet would: DescribeInstanceInformation lists hosts (state[id] ==
// "offline" is ConnectionLost, else Online) for the tags
// Environment=test, App=gangway, or those of the ids asked for that are in
// state (Online), and each command "runs" on every host by
// printing state[id]. Every other request goes to moto. sent collects the
// commands' text.
func ssmShim(t *testing.T, moto string, state map[string]string) (endpoint string, sent func() []string) {
	t.Helper()
	target, _ := url.Parse(moto)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	var commands []string
	reply := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(v)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Filters []struct {
				Key    string
				Values []string
			}
			Parameters map[string][]string
			InstanceID string `json:"InstanceId"`
		}
		switch r.Header.Get("X-Amz-Target") {
		case "AmazonSSM.DescribeInstanceInformation":
			_ = json.NewDecoder(r.Body).Decode(&in)
			tags := map[string]string{}
			for _, f := range in.Filters {
				tags[f.Key] = strings.Join(f.Values, ",")
			}
			list := []map[string]string{}
			if ids := tags["InstanceIds"]; ids != "" { // the ids asked for that the fleet has
				for _, id := range strings.Split(ids, ",") {
					if _, ok := state[id]; ok {
						list = append(list, map[string]string{"InstanceId": id, "PingStatus": "Online", "PlatformType": "Linux"})
					}
				}
			} else if tags["tag:Environment"] == "test" && tags["tag:App"] == "gangway" {
				for id, out := range state {
					ping := "Online"
					if out == "offline" {
						ping = "ConnectionLost"
					}
					list = append(list, map[string]string{"InstanceId": id, "PingStatus": ping, "PlatformType": "Linux"})
				}
			}
			reply(w, map[string]any{"InstanceInformationList": list})
		case "AmazonSSM.SendCommand":
			_ = json.NewDecoder(r.Body).Decode(&in)
			mu.Lock()
			commands = append(commands, strings.Join(in.Parameters["commands"], "\n"))
			mu.Unlock()
			reply(w, map[string]any{"Command": map[string]any{"CommandId": "cmd-status-1", "Status": "Pending"}})
		case "AmazonSSM.GetCommandInvocation":
			_ = json.NewDecoder(r.Body).Decode(&in)
			reply(w, map[string]any{"CommandId": "cmd-status-1", "InstanceId": in.InstanceID, "Status": "Success",
				"StatusDetails": "Success", "StandardOutputContent": state[in.InstanceID], "StandardErrorContent": ""})
		default:
			proxy.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), commands...)
	}
}
