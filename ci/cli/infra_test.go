package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gangway-dev/gangway/ci/awsenv"
	"github.com/gangway-dev/gangway/ci/tf/tftest"
	"github.com/gangway-dev/gangway/internal/components"
)

// run calls Main with args and env and returns the exit code, stdout and stderr.
func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), args, IO{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }})
	return code, stdout.String(), stderr.String()
}

// motoEnv is the environment of a pipeline run against moto_server.
func motoEnv(t *testing.T, m *components.Moto) map[string]string {
	t.Helper()
	env := map[string]string{
		"PATH": os.Getenv("PATH"), "HOME": os.Getenv("HOME"),
		"AWS_EC2_METADATA_DISABLED": "true", "TF_STATE_BUCKET": "gangway-state",
	}
	for _, kv := range m.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return env
}

// fakeSTS answers every call as STS answers an unknown access key.
func fakeSTS(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>1</RequestId></ErrorResponse>`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

const hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// Every bad input is refused with exit 2 and a clear message before any
// side effect: no plan file, no password file, nothing on stdout.
func TestBadInput(t *testing.T) {
	t.Parallel()
	dir := tftest.Fixture(t)
	work := t.TempDir()
	planOut := filepath.Join(work, "p.tfplan")
	pwFile := filepath.Join(work, "pw")
	rejected := map[string]string{
		"PATH": os.Getenv("PATH"), "AWS_ENDPOINT_URL": fakeSTS(t), "AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wrong", "AWS_EC2_METADATA_DISABLED": "true",
	}
	m := components.MotoT(t)
	good := motoEnv(t, m)
	noTerraform := motoEnv(t, m)
	noTerraform["PATH"] = t.TempDir()
	noRegion := motoEnv(t, m)
	delete(noRegion, "AWS_REGION")
	delete(noRegion, "AWS_DEFAULT_REGION")
	img := "127.0.0.1:5000/gangway-test@sha256:" + hex64

	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"env with shell", good, []string{"plan", "--env", "prod;rm -rf /", "--dir", dir, "--out", planOut}, `unknown environment "prod;rm -rf /"`},
		{"env traversal", good, []string{"plan", "--env", "../x", "--dir", dir, "--out", planOut}, `unknown environment "../x"`},
		{"env upper case", good, []string{"apply", "--env", "PROD", "--dir", dir}, `unknown environment "PROD"`},
		{"env empty", good, []string{"outputs", "--dir", dir}, "environment name is empty"},
		{"ecr-login env", good, []string{"ecr-login", "--env", "../x", "--password-file", pwFile}, "unknown environment"},
		{"ecr-login no file", good, []string{"ecr-login", "--env", "test"}, "--password-file is required"},
		{"promote to bad env", good, []string{"promote", "--from", "test", "--to", "prod;rm -rf /", "--image", img}, "unknown environment"},
		{"promote from empty", good, []string{"promote", "--from", "", "--to", "prod", "--image", img}, "environment name is empty"},
		{"image tag", good, []string{"promote", "--image", "127.0.0.1:5000/gangway-test:latest"}, "no @sha256 digest"},
		{"image short digest", good, []string{"promote", "--image", "127.0.0.1:5000/gangway-test@sha256:abc"}, "64 lower-case hex"},
		{"image empty", good, []string{"promote"}, "empty"},
		{"image shell", good, []string{"promote", "--image", "127.0.0.1:5000/x;rm -rf /@sha256:" + hex64}, "repository component"},
		{"image of another env", good, []string{"promote", "--image", "127.0.0.1:5000/gangway-prod@sha256:" + hex64}, "not in the test repository"},
		{"promote bad api", good, []string{"promote", "--image", img, "--api", "ftp"}, `--api "ftp"`},
		{"missing dir", good, []string{"plan", "--env", "test", "--dir", filepath.Join(work, "nope"), "--out", planOut}, "not found: set --dir"},
		{"credentials rejected", rejected, []string{"plan", "--env", "test", "--dir", dir, "--out", planOut}, "InvalidClientTokenId: The security token included in the request is invalid."},
		{"credentials rejected ecr", rejected, []string{"ecr-login", "--env", "test", "--password-file", pwFile}, "InvalidClientTokenId"},
		{"credentials rejected bootstrap", rejected, []string{"bootstrap"}, "AWS credentials rejected by STS"},
		{"no region", noRegion, []string{"bootstrap"}, "no AWS region"},
		{"no terraform", noTerraform, []string{"plan", "--env", "test", "--dir", dir, "--out", planOut}, "terraform binary not found on PATH"},
		{"terraform path", good, []string{"plan", "--env", "test", "--dir", dir, "--out", planOut, "--terraform", filepath.Join(work, "terraform")}, "terraform binary not found at"},
		{"gha kind", good, []string{"gha", "deploy", "--input", "x"}, `unknown report "deploy"`},
		{"gha no input", good, []string{"gha", "plan"}, "usage: gha plan --input FILE"},
		{"gha bad json", good, []string{"gha", "plan", "--input", "/dev/null"}, "reading plan JSON"},
		{"unknown flag", good, []string{"plan", "--environment", "test"}, "flag provided but not defined"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tc.env, tc.args...)
			if code != ExitUsage {
				t.Errorf("exit = %d, want %d; stderr: %s", code, ExitUsage, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tc.want)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
		})
	}
	for _, p := range []string{planOut, pwFile} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s exists after bad input", p)
		}
	}
}

// Missing credentials: the SDK's default chain reads the process
// environment, so this test cannot run in parallel.
func TestMissingCredentials(t *testing.T) {
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	env := map[string]string{"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_EC2_METADATA_DISABLED": "true"}
	code, _, stderr := run(t, env, "bootstrap")
	if code != ExitUsage || !strings.Contains(stderr, "no usable AWS credentials") {
		t.Errorf("exit %d, stderr %q; want 2 and a missing-credentials message", code, stderr)
	}
}

// TestWebIdentityCredentials runs pipeline steps the way a GitLab job (and
// the Dagger module's container) runs them: no keys at all, only the role
// and the file holding the job's OIDC token. The CLI's AWS SDK default chain
// and terraform's AWS provider and S3 backend each assume the role
// themselves (moto_server answers AssumeRoleWithWebIdentity without
// validating the token): bootstrap creates the state bucket, plan reads and
// locks the state through the backend and plans through the provider. The
// token appears nowhere in what the steps print.
func TestWebIdentityCredentials(t *testing.T) {
	// Not parallel: the SDK's default chain reads the process environment.
	m := components.MotoT(t)
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwcm9qZWN0X3BhdGg6Zy9wOnJlZl90eXBlOmJyYW5jaDpyZWY6ZGV2ZWxvcCJ9.c2ln"
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(token), 0o400); err != nil {
		t.Fatal(err)
	}
	webIdentity := map[string]string{
		"AWS_ROLE_ARN":                "arn:aws:iam::123456789012:role/gangway-test-deploy",
		"AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile,
		"AWS_ROLE_SESSION_NAME":       "gangway",
	}
	env := map[string]string{
		"PATH": os.Getenv("PATH"), "HOME": os.Getenv("HOME"),
		"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": m.Endpoint, "AWS_EC2_METADATA_DISABLED": "true",
		// terraform's S3 backend takes the STS endpoint of its role
		// assumption from here, not from AWS_ENDPOINT_URL (on AWS neither
		// is set).
		"AWS_ENDPOINT_URL_STS": m.Endpoint,
		"TF_STATE_BUCKET":      "gangway-state-webid", "TF_CLI_CONFIG_FILE": tftest.CLIConfig(t),
	}
	for k, v := range webIdentity {
		t.Setenv(k, v) // the CLI's own SDK calls
		env[k] = v     // what the CLI passes to terraform
	}
	code, stdout, stderr := run(t, env, "bootstrap")
	if code != ExitOK {
		t.Fatalf("bootstrap under a web identity: exit %d\n%s", code, stderr)
	}
	if got := decode(t, stdout); got["bucket"] != "gangway-state-webid" || got["created"] != true {
		t.Errorf("bootstrap printed %v, want the created bucket", got)
	}
	if !strings.Contains(stderr, "assumed-role/gangway-test-deploy/gangway") {
		t.Errorf("the step's log does not name the assumed role:\n%s", stderr)
	}
	out := stdout + stderr
	code, stdout, stderr = run(t, env, "plan", "--env", "test", "--dir", tftest.Fixture(t), "--out", filepath.Join(t.TempDir(), "test.tfplan"))
	if code != ExitOK {
		t.Fatalf("plan under a web identity: exit %d\n%s", code, stderr)
	}
	if got := decode(t, stdout); got["has_changes"] != true {
		t.Errorf("plan JSON = %v", got)
	}
	if strings.Contains(out+stdout+stderr, token) {
		t.Error("a step printed the OIDC token")
	}
}

func TestUnreachableEndpoint(t *testing.T) {
	t.Parallel()
	env := map[string]string{"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
		"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"}
	code, _, stderr := run(t, env, "bootstrap")
	if code != ExitFailure || !strings.Contains(stderr, "GetCallerIdentity") {
		t.Errorf("exit %d, stderr %q; want 1 naming the failed STS call", code, stderr)
	}
}

func TestDefaultDirIsRepositoryTerraform(t *testing.T) {
	t.Chdir(t.TempDir()) // no dagger.json or .git above a temp dir
	code, _, stderr := run(t, map[string]string{}, "plan", "--env", "test")
	if code != ExitUsage || !strings.Contains(stderr, "no repository root") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "dagger.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "ci"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join(root, "ci"))
	code, _, stderr = run(t, map[string]string{}, "plan", "--env", "test")
	if want := filepath.Join(root, "terraform") + " not found"; code != ExitUsage || !strings.Contains(stderr, want) {
		t.Errorf("exit %d, stderr %q; want %q", code, stderr, want)
	}
}

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, s)
	}
	return m
}

// Terraform gets the host's variables and the pipeline's AWS settings, and
// nothing else of the process: no token or password it happens to hold.
func TestTerraformEnvironPassesOnlyWhatItNeeds(t *testing.T) {
	t.Parallel()
	vars := map[string]string{
		"PATH": "/usr/bin", "TF_PLUGIN_CACHE_DIR": "/cache", "AWS_ROLE_ARN": "arn:aws:iam::1:role/r",
		"AWS_WEB_IDENTITY_TOKEN_FILE": "/t", "GITHUB_TOKEN": "ghs_secret", "DB_PASSWORD": "secret",
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "secret", "TF_VAR_db_password": "secret",
	}
	env := terraformEnviron(func(k string) string { return vars[k] }, awsenv.Settings{Region: "eu-west-1"})
	for _, want := range []string{"PATH=/usr/bin", "TF_PLUGIN_CACHE_DIR=/cache", "AWS_ROLE_ARN=arn:aws:iam::1:role/r",
		"AWS_WEB_IDENTITY_TOKEN_FILE=/t", "AWS_REGION=eu-west-1", "CHECKPOINT_DISABLE=1"} {
		if !slices.Contains(env, want) {
			t.Errorf("terraform's environment lacks %s: %v", want, env)
		}
	}
	for _, kv := range env {
		if strings.Contains(kv, "secret") {
			t.Errorf("terraform's environment carries %s", kv)
		}
	}
}
