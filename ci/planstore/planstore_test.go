package planstore

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gangway-dev/gangway/ci/tf"
	"github.com/gangway-dev/gangway/internal/components"
)

// plan writes a plan file and its binding the way `pipeline plan` leaves
// them, and returns their description.
func plan(t *testing.T, env, commit string) tf.PlanOutput {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, env+".tfplan")
	if err := os.WriteFile(file, []byte("PK\x03\x04 a plan for "+env), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := tf.WriteBinding(file, tf.Binding{Env: env, Bucket: "b", Key: "gangway/" + env + "/terraform.tfstate", PlanSHA256: "abc", Commit: commit}); err != nil {
		t.Fatal(err)
	}
	return tf.PlanOutput{Env: env, PlanFile: file, BindingFile: tf.BindingPath(file), HasChanges: true, PlanSHA256: "abc", Commit: commit,
		Summary: tf.Summary{Add: 1}}
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// rewrite returns the bundle with one entry's content changed by edit.
func rewrite(t *testing.T, bundle []byte, name string, edit func([]byte) []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	tr := tar.NewReader(bytes.NewReader(bundle))
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		if hdr.Name == name {
			body = edit(body)
		}
		if name == "" || body != nil {
			hdr.Size = int64(len(body))
			if err := tw.WriteHeader(hdr); err != nil {
				t.Fatal(err)
			}
			if _, err := tw.Write(body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestPackUnpackRoundTrip(t *testing.T) {
	t.Parallel()
	out := plan(t, "prod", "c0ffee")
	bundle, sum, err := Pack(out)
	if err != nil {
		t.Fatal(err)
	}
	again, sum2, err := Pack(out)
	if err != nil || sum2 != sum || !bytes.Equal(again, bundle) {
		t.Fatalf("packing the same plan twice gave %s and %s: the digest a reviewer approves must be reproducible", sum, sum2)
	}
	if sum != digest(bundle) {
		t.Fatalf("Pack returned %s, the bundle's sha256 is %s", sum, digest(bundle))
	}
	dir := t.TempDir()
	got, err := Unpack(bundle, sum, "prod", "c0ffee", dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.PlanFile != filepath.Join(dir, "prod.tfplan") || got.BindingFile != tf.BindingPath(got.PlanFile) {
		t.Errorf("unpacked to %s and %s", got.PlanFile, got.BindingFile)
	}
	if got.Summary.Add != 1 || got.Commit != "c0ffee" || !got.HasChanges {
		t.Errorf("description = %+v", got)
	}
	want, _ := os.ReadFile(out.PlanFile)
	if b, _ := os.ReadFile(got.PlanFile); !bytes.Equal(b, want) {
		t.Errorf("unpacked plan differs from the packed one")
	}
	if b, err := tf.ReadBinding(got.PlanFile); err != nil || b.Env != "prod" || b.Commit != "c0ffee" {
		t.Errorf("unpacked binding = %+v, %v", b, err)
	}
	// Any commit is accepted when the applying job does not name one.
	if _, err := Unpack(bundle, sum, "prod", "", t.TempDir()); err != nil {
		t.Errorf("Unpack without a commit: %v", err)
	}
}

// TestUnpackRefuses: every way a stored plan can differ from the reviewed
// one is refused, says which, and writes nothing.
func TestUnpackRefuses(t *testing.T) {
	t.Parallel()
	prod := plan(t, "prod", "c0ffee")
	bundle, sum, err := Pack(prod)
	if err != nil {
		t.Fatal(err)
	}
	testBundle, testSum, err := Pack(plan(t, "test", "c0ffee"))
	if err != nil {
		t.Fatal(err)
	}
	edited := rewrite(t, bundle, entryPlan, func(b []byte) []byte { return append(b, " and one more resource"...) })
	noBinding := rewrite(t, bundle, entryBinding, func([]byte) []byte { return nil })
	cases := []struct {
		name, want  string
		data        []byte
		sha, commit string
	}{
		{"plan edited after review", "edited or replaced after review", edited, sum, "c0ffee"},
		{"another plan stored under the name", "edited or replaced after review", testBundle, sum, "c0ffee"},
		{"a plan for another environment", `made for environment "test", not "prod"`, testBundle, testSum, "c0ffee"},
		{"a plan from another commit", `made from commit "c0ffee", and this job deploys commit "beef"`, bundle, sum, "beef"},
		{"not a bundle", "not a plan bundle", []byte("garbage that is not a tar archive, long enough to need a header......................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................"), "", "c0ffee"},
		{"a bundle without its binding", "lacks " + entryBinding, noBinding, digest(noBinding), "c0ffee"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sha := c.sha
			if sha == "" {
				sha = digest(c.data)
			}
			dir := filepath.Join(t.TempDir(), "out")
			_, err := Unpack(c.data, sha, "prod", c.commit, dir)
			var refused *RefusedError
			if !errors.As(err, &refused) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Unpack = %v, want a refusal saying %q", err, c.want)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("a refused plan left %s behind", dir)
			}
		})
	}
}

func TestKey(t *testing.T) {
	t.Parallel()
	if k, err := Key("prod", "123-1"); err != nil || k != "gangway/prod/plans/123-1.tfplan.tar" {
		t.Errorf("Key = %q, %v", k, err)
	}
	for _, c := range []struct{ env, run, want string }{
		{"Prod", "1", "environment"},
		{"prod", "../test/plans/1", "letters, digits"},
		{"prod", "", "letters, digits"},
	} {
		if _, err := Key(c.env, c.run); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Key(%q, %q) = %v, want an error mentioning %q", c.env, c.run, err, c.want)
		}
	}
}

// TestStoreAgainstMoto stores a bundle with SSE-KMS under the plans key and
// reads it back; a run that stored nothing is refused with what to do.
func TestStoreAgainstMoto(t *testing.T) {
	t.Parallel()
	m := components.MotoT(t)
	ctx := context.Background()
	cfg := m.AWSConfig()
	kmsAPI := kms.NewFromConfig(cfg)
	k, err := kmsAPI.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kmsAPI.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(kmsKey("prod")), TargetKeyId: k.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	s3api := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3api.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("state")}); err != nil {
		t.Fatal(err)
	}
	store := Store{S3: s3api, Bucket: "state"}
	bundle, sum, err := Pack(plan(t, "prod", "c0ffee"))
	if err != nil {
		t.Fatal(err)
	}
	key, _ := Key("prod", "42-1")
	if err := store.Put(ctx, "prod", key, bundle, sum); err != nil {
		t.Fatal(err)
	}
	head, err := s3api.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("state"), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	if head.ServerSideEncryption != "aws:kms" || !strings.Contains(aws.ToString(head.SSEKMSKeyId), "gangway-prod-plans") && !strings.Contains(aws.ToString(head.SSEKMSKeyId), aws.ToString(k.KeyMetadata.KeyId)) {
		t.Errorf("stored with %q / %q, want SSE-KMS under the prod plans key", head.ServerSideEncryption, aws.ToString(head.SSEKMSKeyId))
	}
	got, err := store.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Unpack(got, sum, "prod", "c0ffee", t.TempDir()); err != nil {
		t.Errorf("the stored plan does not unpack: %v", err)
	}
	missing, _ := Key("prod", "43-1")
	_, err = store.Get(ctx, missing)
	var refused *RefusedError
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), "no reviewed plan at s3://state/"+missing) {
		t.Errorf("Get of a plan never stored = %v", err)
	}
}
