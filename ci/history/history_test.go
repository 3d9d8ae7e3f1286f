package history

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gangway-dev/gangway/internal/components"
)

func TestActor(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"GITHUB_ACTOR": "octocat", "USER": "runner"}, "octocat"},
		{map[string]string{"GITLAB_USER_LOGIN": "tanuki"}, "tanuki"},
		{map[string]string{"USER": "ana"}, "ana (local)"},
		{map[string]string{}, "unknown"},
	} {
		if got := actorFromEnv(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("Actor(%v) = %q, want %q", c.env, got, c.want)
		}
	}
}

func TestOriginFrom(t *testing.T) {
	t.Parallel()
	gh := map[string]string{"GITHUB_ACTOR": "octocat", "GITHUB_SHA": "abc", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "7"}
	cases := []struct {
		name          string
		env           map[string]string
		actor, commit string
		want          Origin
	}{
		{"GitHub Actions", gh, "", "", Origin{Actor: "octocat", Commit: "abc", RunURL: "https://github.com/o/r/actions/runs/7"}},
		{"flags win", gh, "ana", "def", Origin{Actor: "ana", Commit: "def", RunURL: "https://github.com/o/r/actions/runs/7"}},
		{"GitLab", map[string]string{"GITLAB_USER_LOGIN": "tanuki", "CI_COMMIT_SHA": "123", "CI_JOB_URL": "https://gitlab.example/j/1"}, "", "",
			Origin{Actor: "tanuki", Commit: "123", RunURL: "https://gitlab.example/j/1"}},
		{"a laptop", map[string]string{"USER": "ana"}, "", "", Origin{Actor: "ana (local)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := OriginFrom(func(k string) string { return c.env[k] }, c.actor, c.commit); got != c.want {
				t.Errorf("OriginFrom = %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestStoreAgainstMoto writes records of two environments and lists one
// of them newest first; an environment with none says it was never
// deployed.
func TestStoreAgainstMoto(t *testing.T) {
	t.Parallel()
	m := components.MotoT(t)
	ctx := context.Background()
	cfg := m.AWSConfig()
	api := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := api.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("state")}); err != nil {
		t.Fatal(err)
	}
	store := Store{S3: api, Bucket: "state"}
	if err := store.Check(ctx); err != nil {
		t.Errorf("Check of an existing bucket: %v", err)
	}
	if err := (Store{S3: api, Bucket: "no-such-bucket"}).Check(ctx); !errors.Is(err, ErrNoBucket) {
		t.Errorf("Check of a missing bucket = %v, want ErrNoBucket", err)
	}
	if _, err := store.List(ctx, "prod", 0); !errors.Is(err, ErrNoHistory) || !strings.Contains(err.Error(), "never deployed") {
		t.Fatalf("List of an empty history = %v", err)
	}
	t0 := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	for i, r := range []Record{
		{Env: "prod", Kind: "rollout", Actor: "ana", Image: "r/gangway-prod@sha256:aaa", Started: t0, Result: "deployed"},
		{Env: "test", Kind: "rollout", Actor: "ana", Image: "r/gangway-test@sha256:bbb", Started: t0.Add(time.Minute), Result: "deployed"},
		{Env: "prod", Kind: "rollback", Actor: "bo", Image: "r/gangway-prod@sha256:ccc", Started: t0.Add(2 * time.Minute), Result: "deployed"},
		{Env: "prod", Kind: "rollout", Actor: "bo", Image: "r/gangway-prod@sha256:ddd", Started: t0.Add(3 * time.Minute), Result: "failed"},
	} {
		r.Finished, r.Seconds, r.Hosts = r.Started.Add(time.Duration(i+1)*time.Second), float64(i+1), 2
		if err := store.Put(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := store.List(ctx, "prod", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !strings.HasSuffix(got[0].Image, "ddd") || got[0].Result != "failed" || got[1].Kind != "rollback" {
		t.Errorf("newest two prod records = %+v", got)
	}
	all, _ := store.List(ctx, "prod", 0)
	if len(all) != 3 {
		t.Errorf("prod has %d records, want 3 (test's stay apart)", len(all))
	}
	md := Markdown("prod", all)
	for _, want := range []string{"| 2026-12-02 09:03:00 | rollout | bo | `sha256:ddd` |", "| rollback | bo |"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
}
