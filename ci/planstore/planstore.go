package planstore

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/gangway-dev/gangway/ci/envname"
	"github.com/gangway-dev/gangway/ci/tf"
)

// Names inside a bundle.
const (
	entryPlan    = "plan.tfplan"
	entryBinding = "plan.tfplan.binding.json"
	entryOutput  = "plan.json"
)

// Key is where env's plan of a run is stored: under the environment's
// plans prefix, the only place its plan role may write.
func Key(env, run string) (string, error) {
	if err := envname.Validate(env); err != nil {
		return "", err
	}
	if !runRE.MatchString(run) {
		return "", fmt.Errorf("run %q: use letters, digits, '.', '_' and '-' (e.g. the CI run id and attempt)", run)
	}
	return "gangway/" + env + "/plans/" + run + ".tfplan.tar", nil
}

var runRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// kmsKey is env's plans key, as the bootstrap names it.
func kmsKey(env string) string { return "alias/gangway-" + env + "-plans" }

// Pack bundles a plan made by `pipeline plan` (the file, its binding beside
// it) with its description, and returns the bundle and its hex SHA-256.
func Pack(out tf.PlanOutput) ([]byte, string, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	desc, err := json.Marshal(out)
	if err != nil {
		return nil, "", err
	}
	add := func(name string, data []byte) error {
		// A fixed header: the same plan always packs to the same bytes.
		hdr := &tar.Header{Name: name, Mode: 0o600, Size: int64(len(data)), ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	for _, e := range []struct{ name, path string }{{entryPlan, out.PlanFile}, {entryBinding, tf.BindingPath(out.PlanFile)}} {
		data, err := os.ReadFile(e.path)
		if err != nil {
			return nil, "", fmt.Errorf("packing the plan: %w", err)
		}
		if err := add(e.name, data); err != nil {
			return nil, "", err
		}
	}
	if err := add(entryOutput, desc); err != nil {
		return nil, "", err
	}
	if err := tw.Close(); err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(buf.Bytes())
	return buf.Bytes(), hex.EncodeToString(sum[:]), nil
}

// RefusedError says why a stored plan is not applied. Nothing was changed.
type RefusedError struct{ Reason string }

func (e *RefusedError) Error() string { return "refusing the reviewed plan: " + e.Reason }

// Unpack checks a bundle against what the review approved (its digest, the
// environment, the commit) and writes its plan and binding into dir. It
// returns the plan's description with PlanFile pointing there.
func Unpack(data []byte, wantSHA, env, commit, dir string) (tf.PlanOutput, error) {
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != wantSHA {
		return tf.PlanOutput{}, &RefusedError{Reason: fmt.Sprintf("the stored plan is not the one reviewed: its sha256 is %s, the review approved %s (it was edited or replaced after review)", got, wantSHA)}
	}
	entries := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return tf.PlanOutput{}, &RefusedError{Reason: fmt.Sprintf("the stored plan is not a plan bundle: %v", err)}
		}
		body, err := io.ReadAll(io.LimitReader(tr, 256<<20))
		if err != nil {
			return tf.PlanOutput{}, err
		}
		entries[hdr.Name] = body
	}
	for _, name := range []string{entryPlan, entryBinding, entryOutput} {
		if _, ok := entries[name]; !ok {
			return tf.PlanOutput{}, &RefusedError{Reason: "the stored plan bundle lacks " + name}
		}
	}
	var out tf.PlanOutput
	if err := json.Unmarshal(entries[entryOutput], &out); err != nil {
		return tf.PlanOutput{}, &RefusedError{Reason: fmt.Sprintf("the stored plan's description is not JSON: %v", err)}
	}
	var b tf.Binding
	if err := json.Unmarshal(entries[entryBinding], &b); err != nil {
		return tf.PlanOutput{}, &RefusedError{Reason: fmt.Sprintf("the stored plan's binding is not JSON: %v", err)}
	}
	switch {
	case b.Env != env || out.Env != env:
		return tf.PlanOutput{}, &RefusedError{Reason: fmt.Sprintf("the stored plan was made for environment %q, not %q", b.Env, env)}
	case commit != "" && b.Commit != commit:
		return tf.PlanOutput{}, &RefusedError{Reason: fmt.Sprintf("the plan was made from commit %q, and this job deploys commit %q: plan and apply must run the same code", b.Commit, commit)}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return tf.PlanOutput{}, err
	}
	planFile := filepath.Join(dir, env+".tfplan")
	if err := os.WriteFile(planFile, entries[entryPlan], 0o600); err != nil {
		return tf.PlanOutput{}, err
	}
	if err := os.WriteFile(tf.BindingPath(planFile), entries[entryBinding], 0o600); err != nil {
		return tf.PlanOutput{}, err
	}
	out.PlanFile, out.BindingFile = planFile, tf.BindingPath(planFile)
	return out, nil
}

// S3API is the part of the S3 client the store uses.
type S3API interface {
	PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

var _ S3API = (*s3.Client)(nil)

// Store keeps bundles in the state bucket.
type Store struct {
	S3     S3API
	Bucket string
	// Owner is the account that must own the bucket (ExpectedBucketOwner):
	// a bucket of the same name in another account is never written to or
	// read from.
	Owner string
}

// Put stores a bundle under key, encrypted with env's plans key.
func (s Store) Put(ctx context.Context, env, key string, data []byte, sha string) error {
	_, err := s.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:               aws.String(s.Bucket),
		Key:                  aws.String(key),
		Body:                 bytes.NewReader(data),
		ExpectedBucketOwner:  owner(s.Owner),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms,
		SSEKMSKeyId:          aws.String(kmsKey(env)),
		Metadata:             map[string]string{"sha256": sha},
	})
	if err != nil {
		return fmt.Errorf("storing the plan at s3://%s/%s: %w", s.Bucket, key, err)
	}
	return nil
}

// Get reads the bundle stored under key.
func (s Store) Get(ctx context.Context, key string) ([]byte, error) {
	out, err := s.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key), ExpectedBucketOwner: owner(s.Owner)})
	var nsk *s3types.NoSuchKey
	if errors.As(err, &nsk) {
		return nil, &RefusedError{Reason: fmt.Sprintf("no reviewed plan at s3://%s/%s: the plan job of this run stores it there; run it (or plan again)", s.Bucket, key)}
	}
	var api smithy.APIError
	if errors.As(err, &api) && (api.ErrorCode() == "AccessDenied" || strings.HasPrefix(api.ErrorCode(), "KMS.")) {
		return nil, fmt.Errorf("reading the reviewed plan s3://%s/%s: this role may not read or decrypt it (%s): the deploy role needs s3:GetObject on gangway/<env>/plans/* and kms:Decrypt with %s: %w", s.Bucket, key, api.ErrorCode(), "the environment's plans key", err)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the reviewed plan s3://%s/%s: %w", s.Bucket, key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the reviewed plan s3://%s/%s: %w", s.Bucket, key, err)
	}
	return data, nil
}

func owner(account string) *string {
	if account == "" {
		return nil
	}
	return aws.String(account)
}
