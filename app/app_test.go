package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gangway-dev/gangway/app/internal/credsfile"
	"github.com/gangway-dev/gangway/internal/components"
)

func TestHealthWhileNoDatabaseAnswers(t *testing.T) {
	t.Parallel()
	port, err := components.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	a := startApp(t, map[string]string{
		"DATABASE_URL": fmt.Sprintf("postgres://gangway:pw@127.0.0.1:%d/gangway?sslmode=disable", port),
		"APP_VERSION":  "1.2.3-abc",
	})
	r := get(t, a.URL+"/health")
	wantStatus(t, "GET /health", r, http.StatusOK)
	if got, want := string(r.Body), `{"status":"ok","version":"1.2.3-abc"}`+"\n"; got != want {
		t.Errorf("GET /health body = %q, want %q", got, want)
	}
	r = get(t, a.URL+"/db/status")
	wantStatus(t, "GET /db/status", r, http.StatusServiceUnavailable)
	if r.JSON["status"] != "error" || r.JSON["error"] == "" {
		t.Errorf("GET /db/status body = %s, want status error with a message", r.Body)
	}
	for _, path := range []string{"/db/read"} {
		wantStatus(t, path, get(t, a.URL+path), http.StatusServiceUnavailable)
	}
	wantStatus(t, "POST /db/create", postJSON(t, a.URL+"/db/create", `{"name":"x"}`), http.StatusServiceUnavailable)
}

func TestNothingConfigured(t *testing.T) {
	t.Parallel()
	a := startApp(t, map[string]string{})
	if r := get(t, a.URL+"/health"); r.JSON["version"] != "dev" {
		t.Errorf("default version: %s, want dev", r.Body)
	}
	for _, path := range []string{"/db/status", "/db/read", "/s3/list"} {
		r := get(t, a.URL+path)
		wantStatus(t, path, r, http.StatusServiceUnavailable)
		if msg, _ := r.JSON["error"].(string); !strings.Contains(msg, "not configured") {
			t.Errorf("GET %s error = %q, want it to say what is not configured", path, msg)
		}
	}
}

func TestRoundTripAgainstRealComponents(t *testing.T) {
	t.Parallel()
	pg, moto := world(t)
	name, password := newDatabase(t, pg)
	bucket := newBucket(t, moto, map[string]string{"reports/a.txt": "aaa", "reports/b.txt": "bb", "other/c.txt": "c"})
	env := withMoto(dbEnv(pg, name, password, name), moto)
	env["S3_BUCKET"] = bucket
	a := startApp(t, env)

	r := get(t, a.URL+"/db/status")
	wantStatus(t, "GET /db/status", r, http.StatusOK)
	if r.JSON["status"] != "connected" || r.JSON["schema_version"] != float64(1) {
		t.Errorf("GET /db/status = %s, want connected, schema_version 1", r.Body)
	}

	t.Run("create and read back verbatim", func(t *testing.T) {
		cases := []struct{ name, description string }{
			{"Robert'); DROP TABLE records;--", "1 OR 1=1; SELECT * FROM pg_user"},
			{"naïve 日本語 ✓", `back\slash "quotes" <tag> %s %d`},
			{strings.Repeat("n", 200), strings.Repeat("d", 2000)},
		}
		for _, c := range cases {
			body := fmt.Sprintf(`{"name":%q,"description":%q}`, c.name, c.description)
			r := postJSON(t, a.URL+"/db/create", body)
			wantStatus(t, "POST /db/create", r, http.StatusCreated)
			if r.JSON["name"] != c.name || r.JSON["description"] != c.description {
				t.Errorf("created %s, want name %q description %q", r.Body, c.name, c.description)
			}
			if _, ok := r.JSON["id"].(float64); !ok {
				t.Errorf("created record has no numeric id: %s", r.Body)
			}
			if _, ok := r.JSON["created_at"].(string); !ok {
				t.Errorf("created record has no created_at: %s", r.Body)
			}
		}
		r := get(t, a.URL+"/db/read")
		wantStatus(t, "GET /db/read", r, http.StatusOK)
		recs := r.JSON["records"].([]any)
		if len(recs) != len(cases) {
			t.Fatalf("read %d records, want %d: %s", len(recs), len(cases), r.Body)
		}
		for i, c := range cases { // newest first
			got := recs[len(cases)-1-i].(map[string]any)
			if got["name"] != c.name || got["description"] != c.description {
				t.Errorf("record %d = %v, want name %q", i, got, c.name)
			}
		}
		if r.JSON["next_cursor"] != nil {
			t.Errorf("next_cursor = %v, want null on the last page", r.JSON["next_cursor"])
		}
	})

	t.Run("pages with a cursor", func(t *testing.T) {
		for i := range 5 {
			wantStatus(t, "create", postJSON(t, a.URL+"/db/create", fmt.Sprintf(`{"name":"page-%d"}`, i)), http.StatusCreated)
		}
		seen := map[float64]bool{}
		var names []string
		next := a.URL + "/db/read?limit=2"
		for pages := 0; next != ""; pages++ {
			if pages > 10 {
				t.Fatal("pagination does not end")
			}
			r := get(t, next)
			wantStatus(t, "GET "+next, r, http.StatusOK)
			recs := r.JSON["records"].([]any)
			if len(recs) > 2 {
				t.Fatalf("limit=2 returned %d records", len(recs))
			}
			for _, rec := range recs {
				m := rec.(map[string]any)
				if seen[m["id"].(float64)] {
					t.Fatalf("record %v returned twice", m["id"])
				}
				seen[m["id"].(float64)] = true
				names = append(names, m["name"].(string))
			}
			next = ""
			if c, ok := r.JSON["next_cursor"].(string); ok {
				next = a.URL + "/db/read?limit=2&cursor=" + url.QueryEscape(c)
			}
		}
		if len(names) != 8 || names[0] != "page-4" || names[4] != "page-0" {
			t.Errorf("paged names = %v, want 8 records, newest (page-4) first", names)
		}
	})

	t.Run("s3 list", func(t *testing.T) {
		r := get(t, a.URL+"/s3/list")
		wantStatus(t, "GET /s3/list", r, http.StatusOK)
		if r.JSON["bucket"] != bucket || r.JSON["truncated"] != false || len(r.JSON["objects"].([]any)) != 3 {
			t.Errorf("GET /s3/list = %s, want 3 objects of %s, not truncated", r.Body, bucket)
		}
		obj := r.JSON["objects"].([]any)[0].(map[string]any)
		if obj["key"] != "other/c.txt" || obj["size"] != float64(1) || obj["last_modified"] == "" {
			t.Errorf("first object = %v, want other/c.txt of size 1 with last_modified", obj)
		}
		r = get(t, a.URL+"/s3/list?prefix=reports/&limit=1")
		wantStatus(t, "GET /s3/list?prefix&limit", r, http.StatusOK)
		objs := r.JSON["objects"].([]any)
		if len(objs) != 1 || objs[0].(map[string]any)["key"] != "reports/a.txt" || r.JSON["truncated"] != true {
			t.Errorf("prefix=reports/ limit=1: %s, want reports/a.txt and truncated", r.Body)
		}
		for _, q := range []string{"limit=0", "limit=1001", "limit=x", "limit=", "prefix=" + strings.Repeat("p", 1025)} {
			wantStatus(t, "GET /s3/list?"+q, get(t, a.URL+"/s3/list?"+q), http.StatusBadRequest)
		}
	})
}

func TestS3Failures(t *testing.T) {
	t.Parallel()
	_, moto := world(t)
	secretKey := "SECRET" + components.RandomHex(8)
	env := withMoto(map[string]string{"S3_BUCKET": "gangway-missing-" + components.RandomHex(4)}, moto)
	env["AWS_SECRET_ACCESS_KEY"] = secretKey
	a := startApp(t, env)
	r := get(t, a.URL+"/s3/list")
	wantStatus(t, "missing bucket", r, http.StatusBadGateway)
	if msg, _ := r.JSON["error"].(string); !strings.Contains(msg, "NoSuchBucket") {
		t.Errorf("missing bucket error = %q, want the S3 error code", msg)
	}

	port, _ := components.FreePort()
	env2 := withMoto(map[string]string{"S3_BUCKET": "b"}, moto)
	env2["AWS_ENDPOINT_URL"] = fmt.Sprintf("http://127.0.0.1:%d", port)
	env2["AWS_SECRET_ACCESS_KEY"] = secretKey
	b := startApp(t, env2)
	r2 := get(t, b.URL+"/s3/list")
	wantStatus(t, "S3 unreachable", r2, http.StatusServiceUnavailable)

	for _, s := range []string{string(r.Body), string(r2.Body), a.Logs.String(), b.Logs.String()} {
		if strings.Contains(s, secretKey) {
			t.Errorf("the AWS secret key leaked: %s", s)
		}
	}
}

// On a host the app signs with the credentials file the host keeps fresh,
// not with keys in its environment: an expired file fails the request and
// says where the credentials come from.
func TestS3WithTheHostsCredentialsFile(t *testing.T) {
	t.Parallel()
	_, moto := world(t)
	bucket := newBucket(t, moto, map[string]string{"a.txt": "a"})
	dir := t.TempDir()
	writeCredentials := func(name string, expires time.Time) string {
		t.Helper()
		path := filepath.Join(dir, name)
		body := fmt.Sprintf(`{"AccessKeyId":"ASIATESTING","SecretAccessKey":"testing","SessionToken":"token","Expiration":%q}`,
			expires.UTC().Format(time.RFC3339))
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	fromFile := func(path string) map[string]string {
		env := withMoto(map[string]string{"S3_BUCKET": bucket, credsfile.EnvVar: path}, moto)
		delete(env, "AWS_ACCESS_KEY_ID")
		delete(env, "AWS_SECRET_ACCESS_KEY")
		return env
	}

	a := startApp(t, fromFile(writeCredentials("fresh.json", time.Now().Add(time.Hour))))
	r := get(t, a.URL+"/s3/list")
	wantStatus(t, "GET /s3/list with the credentials file", r, http.StatusOK)

	expired := writeCredentials("expired.json", time.Now().Add(-time.Minute))
	b := startApp(t, fromFile(expired))
	r = get(t, b.URL+"/s3/list")
	if r.Status == http.StatusOK {
		t.Fatalf("GET /s3/list with expired credentials = 200, want a failure: %s", r.Body)
	}
	if logs := string(r.Body) + b.Logs.String(); !strings.Contains(logs, "expired at") || !strings.Contains(logs, expired) {
		t.Errorf("the failure does not say the credentials in %s expired: %s", expired, logs)
	}
}

func TestDatabaseOutageAndRecovery(t *testing.T) {
	t.Parallel()
	pg := components.PostgresT(t)
	ctx := context.Background()
	name, password := newDatabase(t, pg)
	a := startApp(t, dbEnv(pg, name, password, name))
	wantStatus(t, "create before the outage", postJSON(t, a.URL+"/db/create", `{"name":"before"}`), http.StatusCreated)

	if err := pg.Pause(ctx); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "/health during the outage", get(t, a.URL+"/health"), http.StatusOK)
	r := get(t, a.URL+"/db/status")
	wantStatus(t, "/db/status during the outage", r, http.StatusServiceUnavailable)
	if r.JSON["status"] != "error" {
		t.Errorf("/db/status during the outage = %s", r.Body)
	}
	wantStatus(t, "create during the outage", postJSON(t, a.URL+"/db/create", `{"name":"during"}`), http.StatusServiceUnavailable)
	wantStatus(t, "read during the outage", get(t, a.URL+"/db/read"), http.StatusServiceUnavailable)

	if err := pg.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, a.URL+"/db/status")
	wantStatus(t, "create after the outage", postJSON(t, a.URL+"/db/create", `{"name":"after"}`), http.StatusCreated)
	r = get(t, a.URL+"/db/read")
	recs := r.JSON["records"].([]any)
	if len(recs) != 2 || recs[0].(map[string]any)["name"] != "after" || recs[1].(map[string]any)["name"] != "before" {
		t.Errorf("records after the outage = %s, want after, before", r.Body)
	}
}

func TestStartsWhileDatabaseDownThenMigrates(t *testing.T) {
	t.Parallel()
	pg := components.PostgresT(t)
	ctx := context.Background()
	name, password := newDatabase(t, pg)
	if err := pg.Pause(ctx); err != nil {
		t.Fatal(err)
	}
	a := startApp(t, dbEnv(pg, name, password, name))
	r := get(t, a.URL+"/db/status")
	wantStatus(t, "/db/status before the database starts", r, http.StatusServiceUnavailable)
	if err := pg.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, a.URL+"/db/status")
	wantStatus(t, "create once migrated", postJSON(t, a.URL+"/db/create", `{"name":"late"}`), http.StatusCreated)
}
