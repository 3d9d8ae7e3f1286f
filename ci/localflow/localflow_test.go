package localflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/gangway-dev/gangway/ci/steps"
	"github.com/gangway-dev/gangway/ci/tf"
)

func TestBuildContextCarriesTheDefectOnlyWhenBroken(t *testing.T) {
	t.Parallel()
	for _, bug := range []defect{gateDefect, lateDefect} {
		t.Run(bug.flag, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			code := "package store\nfunc f() {\n\t" + bug.correct + "\n}\n"
			for name, data := range map[string]string{"go.mod": "module x\n", "go.sum": "", bug.file: code, "app/main.go": "package main\n", "README.md": "not for the image"} {
				if err := os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(root, name), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, with := range []*defect{nil, &bug} {
				dir := filepath.Join(t.TempDir(), "ctx")
				if err := buildContext(root, dir, with); err != nil {
					t.Fatalf("buildContext(%v): %v", with, err)
				}
				got, err := os.ReadFile(filepath.Join(dir, bug.file))
				if err != nil {
					t.Fatal(err)
				}
				if has := bytes.Contains(got, []byte(bug.wrong)); has != (with != nil) {
					t.Errorf("with the defect %v: the context's store has it = %v", with != nil, has)
				}
				for _, name := range []string{"go.mod", "go.sum", "app/main.go"} {
					if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
						t.Errorf("the context lacks %s", name)
					}
				}
				if _, err := os.Stat(filepath.Join(dir, "README.md")); err == nil {
					t.Error("the context holds files the recipe does not read")
				}
			}
			if after, _ := os.ReadFile(filepath.Join(root, bug.file)); string(after) != code {
				t.Errorf("the source tree was changed: %q", after)
			}
			if err := os.WriteFile(filepath.Join(root, bug.file), []byte("package store\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := buildContext(root, filepath.Join(t.TempDir(), "ctx"), &bug); err == nil || !strings.Contains(err.Error(), "no longer contains") {
				t.Errorf("buildContext on a changed source = %v, want an error naming the missing statement", err)
			}
		})
	}
}

// TestPodmanBuildsTheOneRecipe checks the local build's command line: the
// repository's Containerfile, the hosts' platform, the module's build
// arguments, and only the build stage's base swapped.
func TestPodmanBuildsTheOneRecipe(t *testing.T) {
	t.Parallel()
	got := strings.Join(podmanBuildArgs("/repo", "/ctx", "localhost/x:1", "/go", "/mod", "/cache", steps.ImageBuildArgs("v1", "")), " ")
	want := "podman build --quiet --no-cache --platform linux/amd64 -f /repo/app/Containerfile --build-arg GO_IMAGE=scratch --build-arg GOPROXY=off " +
		"-v /go:/usr/local/go:ro -v /mod:/go/pkg/mod:ro -v /cache:/tmp/go-build --build-arg VERSION=v1 --build-arg REVISION=v1 -t localhost/x:1 /ctx"
	if got != want {
		t.Errorf("podman build args =\n%s\nwant\n%s", got, want)
	}
}

// The defects must be in the real service's source, or --break and
// --break-late build a working release and prove nothing.
func TestDefectsTargetTheRealStore(t *testing.T) {
	t.Parallel()
	for _, bug := range []defect{gateDefect, lateDefect} {
		code, err := os.ReadFile(filepath.Join("..", "..", bug.file))
		if err != nil {
			t.Fatalf("reading the service's store: %v", err)
		}
		if got := bytes.Count(code, []byte(bug.correct)); got != 1 {
			t.Errorf("%s: %s contains %q %d times, want exactly once", bug.flag, bug.file, bug.correct, got)
		}
	}
	if testing.Short() {
		return
	}
	// And each defective service still compiles: the defect is a bug, not
	// a build failure.
	for _, bug := range []defect{gateDefect, lateDefect} {
		dir := t.TempDir()
		if err := buildContext(filepath.Join("..", ".."), dir, &bug); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("go", "build", "-o", os.DevNull, "./app")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: the service does not compile with the defect: %v\n%s", bug.flag, err, out)
		}
	}
}

func TestWriteEnvFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "app.env")
	o := tf.Outputs{Region: "us-east-1", BucketName: "b", DBSecretARN: "arn:aws:secretsmanager:us-east-1:1:secret:x"}
	vars, err := hostEnv("test", o, 5432, "admin", "http://127.0.0.1:4566")
	if err != nil {
		t.Fatal(err)
	}
	if err := writeEnvFile(path, vars); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fi.Mode().Perm(), os.FileMode(0o600); got != want {
		t.Errorf("mode = %v, want %v", got, want)
	}
	data, _ := os.ReadFile(path)
	// The container reaches this machine's loopback at 10.0.2.2.
	for _, line := range []string{"APP_ENV=test\n", "DB_HOST=10.0.2.2\n", "AWS_ENDPOINT_URL=http://10.0.2.2:4566\n", "DB_PORT=5432\n", "DB_USER=admin\n", "S3_BUCKET=b\n", "DB_SECRET_ARN=arn:aws:secretsmanager:us-east-1:1:secret:x\n"} {
		if !strings.Contains(string(data), line) {
			t.Errorf("env file lacks %q:\n%s", line, data)
		}
	}
	for _, secret := range []string{"PASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		if strings.Contains(string(data), secret) {
			t.Errorf("env file holds %s (credentials come from the app's credentials file):\n%s", secret, data)
		}
	}
	if _, err := hostEnv("test", o, 5432, "admin", "moto"); err == nil {
		t.Error("hostEnv accepted an endpoint without a port")
	}
}

func TestApproval(t *testing.T) {
	t.Parallel()
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	cases := []struct {
		name string
		a    Approver
		want error
	}{
		{name: "approved in advance", a: Approver{Approved: true, Out: &bytes.Buffer{}}, want: nil},
		{name: "no terminal", a: Approver{Out: &bytes.Buffer{}}, want: ErrApprovalRequired},
		// /dev/null is a character device but not a terminal: CI's stdin.
		{name: "stdin is /dev/null", a: Approver{In: devNull, Out: &bytes.Buffer{}}, want: ErrApprovalRequired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.Approve("r/gangway-test@sha256:00"); !errors.Is(got, tc.want) {
				t.Errorf("Approve() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTimeline(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	r := &Report{
		Version: "abc.run1", Result: ResultGateFailed, Reason: "integration tests failed",
		ProdImageAfter: "r/gangway-prod@sha256:0123456789abcdef0123", Finished: t0.Add(3 * time.Minute),
		Stages: []Stage{
			{Name: "deploy-test", Started: t0, Finished: t0.Add(2 * time.Minute), Seconds: 120, Result: Passed},
			{Name: "integration-tests", Started: t0.Add(2 * time.Minute), Finished: t0.Add(3 * time.Minute), Seconds: 60, Result: Failed, Detail: "1 of 8 checks failed"},
		},
	}
	var b bytes.Buffer
	r.WriteTimeline(&b)
	want := `
Timeline (version abc.run1)
10:00:00 - Test workflow starts: deploy to test
10:02:00 - ✅ Test deployment completes passed (120.0s)
10:02:00 - Integration tests start
10:03:00 - ❌ Integration tests failed (60.0s): 1 of 8 checks failed
10:03:00 - ❌ Production NOT deployed: integration tests failed (production keeps sha256:0123456789ab)
`
	if got := b.String(); got != want {
		t.Errorf("timeline:\n%s\nwant:\n%s", got, want)
	}
}

// The app's credentials file has STS's shape, is readable by the
// container's user and is replaced whole (no temporary file left).
func TestWriteAppCredentials(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "run-gangway")
	session := aws.Credentials{AccessKeyID: "ASIAHOSTROLE", SecretAccessKey: "secret", SessionToken: "token",
		Expires: time.Date(2026, 12, 2, 11, 0, 0, 0, time.FixedZone("CET", 3600))}
	for range 2 {
		if err := writeAppCredentials(dir, session); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "app-credentials.json" {
		t.Fatalf("dir holds %v, want app-credentials.json alone", entries)
	}
	path := filepath.Join(dir, "app-credentials.json")
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, want 0644", fi.Mode().Perm())
	}
	var c struct {
		AccessKeyID                               string `json:"AccessKeyId"`
		SecretAccessKey, SessionToken, Expiration string
	}
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	if c.AccessKeyID != "ASIAHOSTROLE" || c.SecretAccessKey != "secret" || c.SessionToken != "token" || c.Expiration != "2026-12-02T10:00:00Z" {
		t.Errorf("credentials = %+v, want the session's, expiring at 10:00 UTC", c)
	}
}
