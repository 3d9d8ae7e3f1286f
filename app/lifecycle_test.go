package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/gangway-dev/gangway/internal/components"
)

func TestSecretIsReReadWhenLoginFails(t *testing.T) {
	t.Parallel()
	pg, moto := world(t)
	ctx := context.Background()
	name, oldPassword := newDatabase(t, pg)
	arn, putSecret := newSecret(t, moto, name, oldPassword)
	env := withMoto(map[string]string{
		"DB_HOST": "127.0.0.1", "DB_PORT": fmt.Sprint(pg.Port), "DB_NAME": name,
		"DB_USER": "ignored-the-secret-names-the-user", "DB_SSLMODE": "disable", "DB_SECRET_ARN": arn,
	}, moto)
	a := startApp(t, env)
	wantStatus(t, "create with the first password", postJSON(t, a.URL+"/db/create", `{"name":"one"}`), http.StatusCreated)

	// Rotate as RDS does: new password in the database and in the secret;
	// then cut the service's connections so that it has to log in again.
	newPassword := components.RandomHex(12)
	if err := pg.Exec(ctx, "postgres", fmt.Sprintf("ALTER ROLE %s PASSWORD '%s'", name, newPassword)); err != nil {
		t.Fatal(err)
	}
	putSecret(newPassword)
	if err := pg.Exec(ctx, "postgres", fmt.Sprintf("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '%s'", name)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, a.URL+"/db/status")
	wantStatus(t, "create with the rotated password", postJSON(t, a.URL+"/db/create", `{"name":"two"}`), http.StatusCreated)
	if !strings.Contains(a.Logs.String(), "login refused") {
		t.Errorf("no log line says the login was refused and the secret re-read:\n%s", a.Logs.String())
	}
	for _, p := range []string{oldPassword, newPassword} {
		if strings.Contains(a.Logs.String(), p) {
			t.Errorf("a database password appears in the log")
		}
	}
}

func TestNoCredentialsInLogsOrResponses(t *testing.T) {
	t.Parallel()
	pg, _ := world(t)
	name, password := newDatabase(t, pg)
	wrong := "wrong-" + components.RandomHex(8)
	dsn := pg.URLFor(name, wrong, name)
	a := startApp(t, map[string]string{"DATABASE_URL": dsn})
	r := get(t, a.URL+"/db/status")
	wantStatus(t, "/db/status with a wrong password", r, http.StatusServiceUnavailable)
	if got, want := r.JSON["error"], "database login failed"; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
	r2 := postJSON(t, a.URL+"/db/create", `{"name":"x"}`)
	for _, s := range []string{string(r.Body), string(r2.Body), a.Logs.String()} {
		for _, secret := range []string{wrong, password, dsn} {
			if strings.Contains(s, secret) {
				t.Errorf("a credential or the DSN leaked into %q", s)
			}
		}
	}
	if !strings.Contains(a.Logs.String(), "password authentication failed") {
		t.Errorf("the log does not say why the database is unavailable:\n%s", a.Logs.String())
	}
}

// slowCreate sends the headers and half the body of a POST /db/create on a
// connection that has already served a request, and returns a function
// that sends the rest and reads the response status.
func slowCreate(t *testing.T, base string) (finish func() (int, error)) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	br := bufio.NewReader(conn)
	// Warm the connection up so that the server has accepted it.
	fmt.Fprintf(conn, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	body := `{"name":"in flight during shutdown"}`
	// Expect: 100-continue makes the server say when the handler starts
	// reading the body: from then on the request is in flight.
	fmt.Fprintf(conn, "POST /db/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", len(body))
	if err := conn.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	tp := textproto.NewReader(br)
	status, err := tp.ReadLine()
	if err != nil || !strings.Contains(status, " 100 ") {
		t.Fatalf("waiting for 100 Continue: %q, %v", status, err)
	}
	if _, err := tp.ReadMIMEHeader(); err != nil {
		t.Fatal(err)
	}
	if err := conn.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, body[:10]); err != nil {
		t.Fatal(err)
	}
	return func() (int, error) {
		if _, err := io.WriteString(conn, body[10:]); err != nil {
			return 0, err
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
}

func TestShutdownFinishesInFlightRequests(t *testing.T) {
	t.Parallel()
	pg, _ := world(t)
	name, password := newDatabase(t, pg)
	a := startApp(t, dbEnv(pg, name, password, name))
	finish := slowCreate(t, a.URL)

	stopped := make(chan error, 1)
	go func() { stopped <- a.Stop() }()
	// New connections are refused once shutdown has begun...
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", strings.TrimPrefix(a.URL, "http://"))
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the service still accepts connections 10s after shutdown began")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// ...but the request in flight completes.
	status, err := finish()
	if err != nil || status != http.StatusCreated {
		t.Fatalf("in-flight request during shutdown: status %d, error %v; want 201", status, err)
	}
	if err := <-stopped; err != nil {
		t.Errorf("run returned %v after a graceful shutdown, want nil", err)
	}
	if !strings.Contains(a.Logs.String(), `"path":"/db/create","status":201`) {
		t.Errorf("the in-flight request was not logged as served:\n%s", a.Logs.String())
	}
}

func TestShutdownIsBounded(t *testing.T) {
	t.Parallel()
	a := startApp(t, map[string]string{"SHUTDOWN_TIMEOUT": "300ms"})
	_ = slowCreate(t, a.URL) // never finished
	stopped := make(chan error, 1)
	go func() { stopped <- a.Stop() }()
	select {
	case err := <-stopped:
		if err == nil || !strings.Contains(err.Error(), "SHUTDOWN_TIMEOUT") {
			t.Errorf("run returned %v, want an error saying requests were cut off at SHUTDOWN_TIMEOUT", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return although SHUTDOWN_TIMEOUT is 300ms")
	}
}

func TestConfigurationErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"port not a number", map[string]string{"PORT": "http"}, "PORT must be a whole number"},
		{"port too big", map[string]string{"PORT": "70000"}, "PORT must be a whole number"},
		{"db port", map[string]string{"DB_HOST": "db", "DB_PORT": "x"}, "DB_PORT"},
		{"shutdown timeout", map[string]string{"SHUTDOWN_TIMEOUT": "5"}, "SHUTDOWN_TIMEOUT"},
		{"secret without host", map[string]string{"DB_SECRET_ARN": "arn:x", "AWS_REGION": "us-east-1"}, "set DB_HOST"},
		{"bucket without region", map[string]string{"S3_BUCKET": "b"}, "AWS_REGION is required"},
		{"listen host", map[string]string{"LISTEN_HOST": "example.com"}, "LISTEN_HOST"},
		{"debug addr not loopback", map[string]string{"DEBUG_ADDR": "0.0.0.0:6060"}, "DEBUG_ADDR must be a loopback"},
		{"bad database url", map[string]string{"DATABASE_URL": "postgres://u:hunter2@[::1"}, "not valid"},
		{"bad flag", map[string]string{"FLAG": "-nope"}, "flag provided but not defined"},
		{"two credential sources", map[string]string{"AWS_ACCESS_KEY_ID": "AKIA", "APP_AWS_CREDENTIALS_FILE": "/run/gangway/app-credentials.json"}, "one source of AWS credentials"},
		{"a session token beside the file", map[string]string{"AWS_SESSION_TOKEN": "t", "APP_AWS_CREDENTIALS_FILE": "/run/gangway/app-credentials.json"}, "one source of AWS credentials"},
		{"relative credentials file", map[string]string{"APP_AWS_CREDENTIALS_FILE": "app-credentials.json"}, "must be an absolute path"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"app"}
			if f := c.env["FLAG"]; f != "" {
				args = append(args, f)
			}
			err := run(context.Background(), args, func(k string) string { return c.env[k] }, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("run() = %v, want an error containing %q", err, c.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error quotes a password: %v", err)
			}
		})
	}
}

func TestHealthcheckMode(t *testing.T) {
	t.Parallel()
	a := startApp(t, map[string]string{"APP_VERSION": "hc"})
	port := a.URL[strings.LastIndex(a.URL, ":")+1:]
	var out strings.Builder
	env := func(k string) string {
		if k == "PORT" {
			return port
		}
		return ""
	}
	if err := run(context.Background(), []string{"app", "-healthcheck"}, env, &out, io.Discard); err != nil {
		t.Fatalf("-healthcheck against a running service: %v", err)
	}
	if !strings.Contains(out.String(), `"version":"hc"`) {
		t.Errorf("-healthcheck printed %q", out.String())
	}
	free, _ := components.FreePort()
	closed := func(k string) string {
		if k == "PORT" {
			return fmt.Sprint(free)
		}
		return ""
	}
	if err := run(context.Background(), []string{"app", "-healthcheck"}, closed, io.Discard, io.Discard); err == nil {
		t.Error("-healthcheck with nothing listening succeeded")
	}
}
