package localflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseTestJSON(t *testing.T) {
	t.Parallel()
	stream := strings.Join([]string{
		`{"Action":"run","Test":"TestHealth"}`,
		`{"Action":"output","Test":"TestHealth","Output":"ok\n"}`,
		`{"Action":"pass","Test":"TestHealth","Elapsed":0.01}`,
		`{"Action":"run","Test":"TestDBCreateAndRead"}`,
		`{"Action":"output","Test":"TestDBCreateAndRead","Output":"POST /db/create: HTTP 500\n"}`,
		`{"Action":"fail","Test":"TestDBCreateAndRead","Elapsed":0.2}`,
		`not json at all`,
		`{"Action":"fail","Package":"x","Elapsed":0.3}`,
	}, "\n")
	results, output := parseTestJSON([]byte(stream))
	if got, want := len(results), 2; got != want {
		t.Fatalf("len(results) = %d, want %d: %+v", got, want, results)
	}
	if got, want := results[1], (TestResult{Name: "TestDBCreateAndRead", Result: "fail", Seconds: 0.2}); got != want {
		t.Errorf("results[1] = %+v, want %+v", got, want)
	}
	if got, want := output["TestDBCreateAndRead"], "POST /db/create: HTTP 500\n"; got != want {
		t.Errorf("output = %q, want %q", got, want)
	}
}

func TestBreakOverlayInjectsTheDefect(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	src := filepath.Join(root, breakFile)
	if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
		t.Fatal(err)
	}
	code := "package store\nconst q = \"" + breakCorrect + "name) VALUES ($1)\"\n"
	if err := os.WriteFile(src, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	overlay, err := breakOverlay(root, t.TempDir())
	if err != nil {
		t.Fatalf("breakOverlay: %v", err)
	}
	var o struct{ Replace map[string]string }
	data, _ := os.ReadFile(overlay)
	if err := json.Unmarshal(data, &o); err != nil {
		t.Fatalf("overlay is not JSON: %v", err)
	}
	broken, err := os.ReadFile(o.Replace[src])
	if err != nil {
		t.Fatalf("overlay does not replace %s: %v", src, err)
	}
	if !bytes.Contains(broken, []byte(breakWrong)) || bytes.Contains(broken, []byte(breakCorrect)) {
		t.Errorf("broken copy = %q, want the INSERT redirected", broken)
	}
	if after, _ := os.ReadFile(src); string(after) != code {
		t.Errorf("the source tree was changed: %q", after)
	}
}

func TestBreakOverlayRefusesChangedSource(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	src := filepath.Join(root, breakFile)
	_ = os.MkdirAll(filepath.Dir(src), 0o755)
	_ = os.WriteFile(src, []byte("package store\n"), 0o644)
	if _, err := breakOverlay(root, t.TempDir()); err == nil || !strings.Contains(err.Error(), "no longer contains") {
		t.Errorf("breakOverlay on a changed source = %v, want an error naming the missing statement", err)
	}
}

// The defect must be in the real service's source, or --break builds a
// working release and the gate proves nothing.
func TestBreakTargetsTheRealStore(t *testing.T) {
	t.Parallel()
	code, err := os.ReadFile(filepath.Join("..", "..", breakFile))
	if err != nil {
		t.Fatalf("reading the service's store: %v", err)
	}
	if got := bytes.Count(code, []byte(breakCorrect)); got != 1 {
		t.Errorf("%s contains %q %d times, want exactly once", breakFile, breakCorrect, got)
	}
}

func TestWriteEnvFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "app.env")
	o := outputs{Region: "us-east-1", BucketName: "b", DBSecretARN: "arn:aws:secretsmanager:us-east-1:1:secret:x"}
	if err := writeEnvFile(path, hostEnv("test", o, 5432, "admin", "http://127.0.0.1:1")); err != nil {
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
	for _, line := range []string{"APP_ENV=test\n", "DB_HOST=127.0.0.1\n", "DB_PORT=5432\n", "DB_USER=admin\n", "S3_BUCKET=b\n", "DB_SECRET_ARN=arn:aws:secretsmanager:us-east-1:1:secret:x\n"} {
		if !strings.Contains(string(data), line) {
			t.Errorf("env file lacks %q:\n%s", line, data)
		}
	}
	if strings.Contains(string(data), "PASSWORD") {
		t.Errorf("env file holds a password:\n%s", data)
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
