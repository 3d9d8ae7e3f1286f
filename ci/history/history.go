// Package history keeps an environment's deploy audit trail: one record per
// rollout or rollback, written by the step that did it into the
// environment's state bucket (gangway/<env>/history/), so that it outlives
// the hosts and every CI system's own logs.
package history

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/gangway-dev/gangway/ci/envname"
)

// Record is one deploy or rollback of an environment.
type Record struct {
	Env string `json:"env"`
	// Kind is "rollout" or "rollback".
	Kind string `json:"kind"`
	// Actor is who ran it: the CI system's user (GITHUB_ACTOR,
	// GITLAB_USER_LOGIN) or the local user.
	Actor string `json:"actor"`
	// Image is the digest reference deployed (or rolled back to).
	Image string `json:"image"`
	// Commit is the source revision, when known.
	Commit string `json:"commit,omitempty"`
	// RunURL links the CI run, when there is one.
	RunURL   string    `json:"run_url,omitempty"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Seconds  float64   `json:"seconds"`
	// Result is the rollout's overall status (deployed, unchanged,
	// rolled_back, failed, …) and Hosts counts the hosts it reached.
	Result string `json:"result"`
	Hosts  int    `json:"hosts"`
	Error  string `json:"error,omitempty"`
}

// Prefix is where env's records are kept in its state bucket.
func Prefix(env string) string { return "gangway/" + env + "/history/" }

// key names a record so that keys sort by time: a listing is the history
// in order without reading every record.
func key(r Record) string {
	return Prefix(r.Env) + r.Started.UTC().Format("20060102T150405.000Z") + "-" + r.Kind + ".json"
}

// actorFromEnv is who runs this step, from the environment of the CI system that
// runs it, else the local user.
func actorFromEnv(getenv func(string) string) string {
	for _, k := range []string{"GITHUB_ACTOR", "GITLAB_USER_LOGIN", "USER", "LOGNAME"} {
		if v := getenv(k); v != "" {
			if k == "USER" || k == "LOGNAME" {
				return v + " (local)"
			}
			return v
		}
	}
	return "unknown"
}

// Origin is who and what a record names beyond the run itself.
type Origin struct {
	Actor  string
	Commit string
	RunURL string
}

// OriginFrom is the origin of this step: actor and commit when given (the
// flags), else the CI system's variables (Actor; GITHUB_SHA, else
// CI_COMMIT_SHA; the GitHub run or GitLab job URL). Under a workflow_run
// trigger GITHUB_SHA is not the tested commit: such a workflow passes the
// commit itself.
func OriginFrom(getenv func(string) string, actor, commit string) Origin {
	o := Origin{Actor: actor, Commit: commit}
	if o.Actor == "" {
		o.Actor = actorFromEnv(getenv)
	}
	for _, v := range []string{getenv("GITHUB_SHA"), getenv("CI_COMMIT_SHA")} {
		if o.Commit == "" {
			o.Commit = v
		}
	}
	if s, r, id := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID"); s != "" && r != "" && id != "" {
		o.RunURL = s + "/" + r + "/actions/runs/" + id
	} else {
		o.RunURL = getenv("CI_JOB_URL")
	}
	return o
}

// S3API is the part of the S3 client the store uses.
type S3API interface {
	PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	ListObjectsV2(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	HeadBucket(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
}

var _ S3API = (*s3.Client)(nil)

// Store reads and writes records in a state bucket.
type Store struct {
	S3     S3API
	Bucket string
	// Owner is the account that must own the bucket (ExpectedBucketOwner).
	Owner string
}

func (s Store) owner() *string {
	if s.Owner == "" {
		return nil
	}
	return aws.String(s.Owner)
}

// ErrNoBucket says the store's bucket does not exist (or is not the
// owner's).
var ErrNoBucket = errors.New("the state bucket does not exist")

// Check fails unless the bucket exists and is the owner's: what a step
// checks before an action whose record it must write. It cannot prove that
// a write will be allowed.
func (s Store) Check(ctx context.Context) error {
	_, err := s.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(s.Bucket), ExpectedBucketOwner: s.owner()})
	var nf *types.NotFound
	if errors.As(err, &nf) {
		return fmt.Errorf("s3://%s: %w", s.Bucket, ErrNoBucket)
	}
	if err != nil {
		return fmt.Errorf("checking the state bucket s3://%s: %w", s.Bucket, err)
	}
	return nil
}

// Put writes one record.
func (s Store) Put(ctx context.Context, r Record) error {
	if err := envname.Validate(r.Env); err != nil {
		return err
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	k := key(r)
	_, err = s.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.Bucket), Key: aws.String(k), Body: bytes.NewReader(data),
		ContentType: aws.String("application/json"), ExpectedBucketOwner: s.owner(),
	})
	if err != nil {
		return fmt.Errorf("writing the deploy record s3://%s/%s: %w", s.Bucket, k, err)
	}
	return nil
}

// ErrNoHistory says an environment has no records: it was never deployed
// by the pipeline (or its history is in another bucket).
var ErrNoHistory = errors.New("no deploy records")

// List returns env's newest records first, at most limit (0 for all).
func (s Store) List(ctx context.Context, env string, limit int) ([]Record, error) {
	if err := envname.Validate(env); err != nil {
		return nil, err
	}
	var keys []string
	p := s3.NewListObjectsV2Paginator(s.S3, &s3.ListObjectsV2Input{
		Bucket: aws.String(s.Bucket), Prefix: aws.String(Prefix(env)), ExpectedBucketOwner: s.owner(),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing s3://%s/%s: %w", s.Bucket, Prefix(env), err)
		}
		for _, o := range page.Contents {
			if k := aws.ToString(o.Key); strings.HasSuffix(k, ".json") {
				keys = append(keys, k)
			}
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w for %s in s3://%s/%s: it was never deployed by the pipeline", ErrNoHistory, env, s.Bucket, Prefix(env))
	}
	sort.Sort(sort.Reverse(sort.StringSlice(keys)))
	if limit > 0 && len(keys) > limit {
		keys = keys[:limit]
	}
	out := make([]Record, 0, len(keys))
	for _, k := range keys {
		obj, err := s.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(k), ExpectedBucketOwner: s.owner()})
		if err != nil {
			return nil, fmt.Errorf("reading s3://%s/%s: %w", s.Bucket, k, err)
		}
		data, err := io.ReadAll(io.LimitReader(obj.Body, 1<<20))
		obj.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("reading s3://%s/%s: %w", s.Bucket, k, err)
		}
		var r Record
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("s3://%s/%s is not a deploy record: %w", s.Bucket, k, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// Markdown renders records as a table, e.g. for a job summary.
func Markdown(env string, records []Record) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Deploy history of `%s`\n\n| when (UTC) | kind | who | image | commit | result | time |\n| --- | --- | --- | --- | --- | --- | --- |\n", env)
	for _, r := range records {
		fmt.Fprintf(&b, "| %s | %s | %s | `%s` | %s | %s | %.0fs |\n",
			r.Started.UTC().Format("2006-01-02 15:04:05"), r.Kind, r.Actor, shortImage(r.Image), short(r.Commit, 12), r.Result, r.Seconds)
	}
	return b.String()
}

func shortImage(image string) string {
	if i := strings.LastIndex(image, "@sha256:"); i >= 0 {
		return short(image[i+1:], 19)
	}
	return image
}

func short(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
