package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/gangway-dev/gangway/ci/localworld"
	"github.com/gangway-dev/gangway/internal/components"
)

func putLock(t *testing.T, m *components.Moto, bucket, key, body string) {
	t.Helper()
	cfg := m.AWSConfig()
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
}

func TestECRLogin(t *testing.T) {
	t.Parallel()
	m := components.MotoT(t)
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("old"), 0o644); err != nil { // wider permissions are narrowed
		t.Fatal(err)
	}
	env := motoEnv(t, m)
	code, stdout, stderr := run(t, env, "ecr-login", "--env", "prod", "--password-file", pw)
	if code != ExitOK {
		t.Fatalf("ecr-login: exit %d: %s", code, stderr)
	}
	secret, _ := os.ReadFile(pw)
	fi, _ := os.Stat(pw)
	if len(secret) < 8 || string(secret) == "old" || fi.Mode().Perm() != 0o600 {
		t.Fatalf("password file: %d bytes, mode %v", len(secret), fi.Mode().Perm())
	}
	if strings.Contains(stdout, string(secret)) || strings.Contains(stderr, string(secret)) {
		t.Error("the password was printed")
	}
	got := decode(t, stdout)
	if got["username"] != "AWS" || !strings.HasSuffix(got["repository"].(string), ".amazonaws.com/gangway-prod") {
		t.Errorf("ecr-login JSON = %v", got)
	}

	// In GitHub Actions the password is masked, once, and printed nowhere else.
	env["GITHUB_ACTIONS"] = "true"
	code, stdout, stderr = run(t, env, "ecr-login", "--env", "test", "--password-file", pw)
	if code != ExitOK {
		t.Fatalf("ecr-login in Actions: exit %d: %s", code, stderr)
	}
	secret, _ = os.ReadFile(pw)
	mask := "::add-mask::" + string(secret) + "\n"
	if strings.Count(stderr, string(secret)) != 1 || !strings.Contains(stderr, mask) || strings.Contains(stdout, string(secret)) {
		t.Errorf("in Actions: stdout %q, stderr %q; want the password only in one add-mask command", stdout, stderr)
	}
}

func TestPromoteCLI(t *testing.T) {
	t.Parallel()
	host := localworld.RegistryT(t).Host
	img, err := random.Image(1024, 2)
	if err != nil {
		t.Fatal(err)
	}
	dg, _ := img.Digest()
	ref, _ := name.NewDigest(host + "/gangway-test@" + dg.String())
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, map[string]string{}, "promote", "--from", "test", "--to", "prod", "--image", ref.String())
	if code != ExitOK {
		t.Fatalf("promote: exit %d: %s", code, stderr)
	}
	got := decode(t, stdout)
	if got["target"] != host+"/gangway-prod@"+dg.String() || got["api"] != "oci" || got["already_present"] != false {
		t.Errorf("promote JSON = %v", got)
	}
	pd, _ := name.NewDigest(host + "/gangway-prod@" + dg.String())
	if desc, err := remote.Head(pd); err != nil || desc.Digest != dg {
		t.Errorf("prod image: %v, %v", desc, err)
	}

	missing := host + "/gangway-test@sha256:" + hex64
	code, stdout, stderr = run(t, map[string]string{}, "promote", "--image", missing)
	if code != ExitFailure || !strings.Contains(stderr, "does not exist") || stdout != "" {
		t.Errorf("promote of a missing digest: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestGHAOutsideActions(t *testing.T) {
	t.Parallel()
	in := filepath.Join(t.TempDir(), "rollout.json")
	if err := os.WriteFile(in, []byte(`{"env":"test","mode":"deploy","status":"deployed","hosts":[{"instance_id":"i-1","ssm_status":"Success","result":{"status":"deployed"}}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "output")
	code, stdout, stderr := run(t, map[string]string{"GITHUB_OUTPUT": out}, "gha", "rollout", "--input", in)
	if code != ExitOK || !strings.Contains(stderr, "not running in GitHub Actions") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if got := decode(t, stdout); got["published"] != false {
		t.Errorf("gha JSON = %v", got)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("GITHUB_OUTPUT written outside Actions")
	}
}
