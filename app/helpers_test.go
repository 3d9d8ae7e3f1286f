package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/gangway-dev/gangway/internal/components"
)

// The package's tests share one PostgreSQL cluster and one moto_server
// (each test gets its own database and bucket); tests that stop the
// database start a cluster of their own.
var (
	worldOnce sync.Once
	worldDir  string
	worldPG   *components.Postgres
	worldMoto *components.Moto
	worldErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if worldPG != nil {
		worldPG.Stop()
	}
	if worldMoto != nil {
		worldMoto.Stop()
	}
	if worldDir != "" {
		os.RemoveAll(worldDir)
	}
	os.Exit(code)
}

func world(t *testing.T) (*components.Postgres, *components.Moto) {
	t.Helper()
	components.SkipShort(t, "PostgreSQL and moto_server")
	worldOnce.Do(func() {
		ctx := context.Background()
		if worldDir, worldErr = os.MkdirTemp("", "gangway-app-test-"); worldErr != nil {
			return
		}
		if worldPG, worldErr = components.StartPostgres(ctx, worldDir); worldErr != nil {
			return
		}
		worldMoto, worldErr = components.StartMoto(ctx, worldDir)
	})
	if worldErr != nil {
		components.Need(t, "starting the shared PostgreSQL and moto_server", worldErr)
	}
	return worldPG, worldMoto
}

// newDatabase creates a role and a database of the same unique name on pg.
func newDatabase(t *testing.T, pg *components.Postgres) (name, password string) {
	t.Helper()
	name = "t_" + components.RandomHex(6)
	password, err := pg.CreateDatabase(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return name, password
}

func awsConfigFor(m *components.Moto) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(m.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
	}
}

// newBucket creates a bucket with the given objects (key → body).
func newBucket(t *testing.T, m *components.Moto, objects map[string]string) string {
	t.Helper()
	ctx := context.Background()
	c := s3.NewFromConfig(awsConfigFor(m), func(o *s3.Options) { o.UsePathStyle = true })
	bucket := "gangway-test-" + components.RandomHex(4)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("creating bucket: %v", err)
	}
	for k, v := range objects {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader(v)}); err != nil {
			t.Fatalf("putting %s: %v", k, err)
		}
	}
	return bucket
}

// newSecret stores a database login in Secrets Manager and returns its ARN.
func newSecret(t *testing.T, m *components.Moto, user, password string) (arn string, put func(password string)) {
	t.Helper()
	c := secretsmanager.NewFromConfig(awsConfigFor(m))
	value := func(p string) *string {
		b, _ := json.Marshal(map[string]string{"username": user, "password": p})
		return aws.String(string(b))
	}
	out, err := c.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name: aws.String("gangway/test/" + components.RandomHex(4)), SecretString: value(password)})
	if err != nil {
		t.Fatalf("creating secret: %v", err)
	}
	put = func(p string) {
		if _, err := c.PutSecretValue(context.Background(), &secretsmanager.PutSecretValueInput{SecretId: out.ARN, SecretString: value(p)}); err != nil {
			t.Fatalf("updating secret: %v", err)
		}
	}
	return aws.ToString(out.ARN), put
}

// syncBuffer collects the service's log lines; run writes from several
// goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// app is an instance of the service started by run in this process.
type app struct {
	URL  string
	Logs *syncBuffer
	// Stop cancels run's context (as SIGTERM would) and returns run's error.
	Stop func() error
}

var listeningRE = regexp.MustCompile(`"msg":"listening".*"addr":"([^"]+)"`)

// startApp runs the service on port 0 with env (plus LISTEN_HOST and PORT)
// and waits until /health answers.
func startApp(t *testing.T, env map[string]string) *app {
	t.Helper()
	getenv := func(k string) string {
		switch k {
		case "PORT":
			if v, ok := env[k]; ok {
				return v
			}
			return "0"
		case "LISTEN_HOST":
			return "127.0.0.1"
		}
		return env[k]
	}
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"app"}, getenv, io.Discard, logs) }()
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() { cancel(); runErr = <-done })
		return runErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Logf("run returned: %v", err)
		}
		if t.Failed() {
			t.Logf("service log:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	var addr string
	for addr == "" {
		if m := listeningRE.FindStringSubmatch(logs.String()); m != nil {
			addr = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("run ended before listening: %v\nlog:\n%s", err, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the service did not log its address within 30s:\n%s", logs.String())
		}
	}
	a := &app{URL: "http://" + addr, Logs: logs, Stop: stop}
	waitFor(t, a.URL+"/health")
	return a
}

// waitFor polls url, a pause between tries, until it answers 200, for at
// most 30 s.
func waitFor(t *testing.T, url string) {
	t.Helper()
	const limit = 30 * time.Second
	deadline := time.Now().Add(limit)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer 200 within %s (last: %v)", url, limit, describe(resp, err))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func describe(resp *http.Response, err error) string {
	if err != nil {
		return err.Error()
	}
	return resp.Status
}

// call makes a request and decodes a JSON response into a map.
type result struct {
	Status int
	Header http.Header
	Body   []byte
	JSON   map[string]any
}

func call(t *testing.T, method, url, contentType string, body io.Reader) result {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	r := result{Status: resp.StatusCode, Header: resp.Header}
	r.Body, _ = io.ReadAll(resp.Body)
	_ = json.Unmarshal(r.Body, &r.JSON)
	return r
}

func get(t *testing.T, url string) result { return call(t, http.MethodGet, url, "", nil) }

func postJSON(t *testing.T, url, body string) result {
	return call(t, http.MethodPost, url, "application/json", strings.NewReader(body))
}

func wantStatus(t *testing.T, what string, r result, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d; body %s", what, r.Status, status, r.Body)
	}
	if got := r.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("%s: Content-Type %q, want application/json", what, got)
	}
}

func dbEnv(pg *components.Postgres, user, password, db string) map[string]string {
	return map[string]string{"DATABASE_URL": pg.URLFor(user, password, db), "APP_VERSION": "v-test"}
}

func withMoto(env map[string]string, m *components.Moto) map[string]string {
	for _, kv := range m.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return env
}
