package tests

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// runID makes this run's records recognisable among earlier runs'.
var runID = func() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return time.Now().UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b)
}()

// record is a stored record as the API returns it.
type record struct {
	ID          json.RawMessage `json:"id"`
	Name        *string         `json:"name"`
	Description *string         `json:"description"`
	CreatedAt   *string         `json:"created_at"`
}

// valid reports what is wrong with a record's shape, or "".
func (r record) problem() string {
	switch {
	case len(r.ID) == 0 || string(r.ID) == "null":
		return "no id"
	case r.Name == nil:
		return "no name"
	case r.Description == nil:
		return "no description"
	case r.CreatedAt == nil:
		return "no created_at"
	}
	if _, err := time.Parse(time.RFC3339Nano, *r.CreatedAt); err != nil {
		return fmt.Sprintf("created_at %q is not an RFC 3339 time", *r.CreatedAt)
	}
	return ""
}

func (r record) createdAt() time.Time {
	t, _ := time.Parse(time.RFC3339Nano, *r.CreatedAt)
	return t
}

type readPage struct {
	Records    *[]record `json:"records"`
	NextCursor *string   `json:"next_cursor"`
}

// TestReadiness reports the bounded wait for /health that ran first.
func TestReadiness(t *testing.T) {
	check(t)
	t.Logf("%s answered /health after %s", suite.baseURL, suite.readyIn.Round(time.Millisecond))
}

func TestHealth(t *testing.T) {
	check(t)
	var body struct {
		Status  *string `json:"status"`
		Version *string `json:"version"`
	}
	expectJSON(t, "GET /health", do(t, "GET", "/health", "", nil), http.StatusOK, &body)
	if body.Status == nil || *body.Status != "ok" {
		t.Errorf(`GET /health: status = %v, want "ok"`, body.Status)
	}
	if body.Version == nil || *body.Version == "" {
		t.Errorf("GET /health: no version; the deployed version must be visible")
	} else {
		t.Logf("version %s", *body.Version)
	}
}

func TestDBStatus(t *testing.T) {
	check(t)
	var body struct {
		Status *string `json:"status"`
	}
	expectJSON(t, "GET /db/status", do(t, "GET", "/db/status", "", nil), http.StatusOK, &body)
	if body.Status == nil || *body.Status != "connected" {
		t.Errorf(`GET /db/status: status = %v, want "connected"`, body.Status)
	}
}

func TestS3List(t *testing.T) {
	check(t)
	type object struct {
		Key          *string `json:"key"`
		Size         *int64  `json:"size"`
		LastModified *string `json:"last_modified"`
	}
	var body struct {
		Bucket    *string   `json:"bucket"`
		Objects   *[]object `json:"objects"`
		Truncated *bool     `json:"truncated"`
	}
	expectJSON(t, "GET /s3/list", do(t, "GET", "/s3/list", "", nil), http.StatusOK, &body)
	if body.Bucket == nil || *body.Bucket == "" {
		t.Error("GET /s3/list: no bucket name")
	}
	if body.Objects == nil {
		t.Fatal("GET /s3/list: no objects array")
	}
	if body.Truncated == nil {
		t.Error("GET /s3/list: no truncated flag")
	}
	for i, o := range *body.Objects {
		if o.Key == nil || o.Size == nil || o.LastModified == nil {
			t.Errorf("GET /s3/list: object %d lacks key, size or last_modified", i)
			continue
		}
		if _, err := time.Parse(time.RFC3339Nano, *o.LastModified); err != nil {
			t.Errorf("GET /s3/list: object %s: last_modified %q is not an RFC 3339 time", *o.Key, *o.LastModified)
		}
	}
	t.Logf("bucket %v: %d object(s)", deref(body.Bucket), len(*body.Objects))

	var one struct {
		Objects *[]object `json:"objects"`
	}
	expectJSON(t, "GET /s3/list?limit=1", do(t, "GET", "/s3/list?limit=1", "", nil), http.StatusOK, &one)
	if one.Objects == nil || len(*one.Objects) > 1 {
		t.Errorf("GET /s3/list?limit=1 returned more than one object")
	}
	for _, q := range []string{"limit=0", "limit=1001", "limit=abc"} {
		expectError(t, "GET /s3/list?"+q, do(t, "GET", "/s3/list?"+q, "", nil), http.StatusBadRequest)
	}
}

// TestDBCreateAndRead stores a record with a unique marker and SQL-looking
// text, and reads it back, newest first.
func TestDBCreateAndRead(t *testing.T) {
	check(t)
	marker := "itest-" + runID
	description := `it's "verbatim"'); DROP TABLE records; -- \ 日本`
	payload, _ := json.Marshal(map[string]string{"name": marker, "description": description})
	var created record
	expectJSON(t, "POST /db/create", do(t, "POST", "/db/create", "application/json", bytes.NewReader(payload)), http.StatusCreated, &created)
	if p := created.problem(); p != "" {
		t.Fatalf("POST /db/create: the created record has %s", p)
	}
	if *created.Name != marker || *created.Description != description {
		t.Fatalf("POST /db/create returned name %q description %q, want them stored verbatim: %q, %q",
			*created.Name, *created.Description, marker, description)
	}

	found, page := findRecord(t, marker, 5)
	if found == nil {
		t.Fatalf("GET /db/read: the record %q just created is not among the newest records", marker)
	}
	if string(found.ID) != string(created.ID) || *found.Description != description || !found.createdAt().Equal(created.createdAt()) {
		t.Errorf("GET /db/read returned %s/%q/%s, want what create returned: %s/%q/%s",
			found.ID, *found.Description, *found.CreatedAt, created.ID, description, *created.CreatedAt)
	}
	for i := 1; i < len(page); i++ {
		if page[i].createdAt().After(page[i-1].createdAt()) {
			t.Errorf("GET /db/read is not newest first: record %d (%s) is newer than record %d (%s)",
				i, *page[i].CreatedAt, i-1, *page[i-1].CreatedAt)
		}
	}

	var def readPage
	expectJSON(t, "GET /db/read", do(t, "GET", "/db/read", "", nil), http.StatusOK, &def)
	if def.Records == nil || len(*def.Records) == 0 || len(*def.Records) > 50 {
		t.Errorf("GET /db/read without limit returned %d records, want 1 to 50", lenOf(def.Records))
	}
}

// findRecord looks for the record named name in the first pages of
// /db/read?limit=100 and returns it and the first page.
func findRecord(t *testing.T, name string, maxPages int) (*record, []record) {
	t.Helper()
	var first []record
	path := "/db/read?limit=100"
	for range maxPages {
		var page readPage
		expectJSON(t, "GET "+path, do(t, "GET", path, "", nil), http.StatusOK, &page)
		if page.Records == nil {
			t.Fatalf("GET %s: no records array", path)
		}
		for i, r := range *page.Records {
			if p := r.problem(); p != "" {
				t.Fatalf("GET %s: record %d has %s", path, i, p)
			}
		}
		if first == nil {
			first = *page.Records
		}
		for _, r := range *page.Records {
			if *r.Name == name {
				return &r, first
			}
		}
		if page.NextCursor == nil {
			break
		}
		path = "/db/read?limit=100&cursor=" + url.QueryEscape(*page.NextCursor)
	}
	return nil, first
}

// TestDBReadPagination walks /db/read two records at a time over three
// records this run creates.
func TestDBReadPagination(t *testing.T) {
	check(t)
	var names []string
	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("itest-page-%s-%d", runID, i)
		names = append(names, name)
		payload, _ := json.Marshal(map[string]string{"name": name})
		expectJSON(t, "POST /db/create", do(t, "POST", "/db/create", "application/json", bytes.NewReader(payload)), http.StatusCreated, nil)
	}
	var seen []string
	ids := map[string]bool{}
	path := "/db/read?limit=2"
	for pages := 0; pages < 10 && len(seen) < 3; pages++ {
		var page readPage
		expectJSON(t, "GET "+path, do(t, "GET", path, "", nil), http.StatusOK, &page)
		if page.Records == nil || len(*page.Records) > 2 {
			t.Fatalf("GET %s returned %d records, want at most 2", path, lenOf(page.Records))
		}
		for _, r := range *page.Records {
			if p := r.problem(); p != "" {
				t.Fatalf("GET %s: a record has %s", path, p)
			}
			if ids[string(r.ID)] {
				t.Fatalf("GET %s: record %s was already on an earlier page", path, r.ID)
			}
			ids[string(r.ID)] = true
			if strings.HasPrefix(*r.Name, "itest-page-"+runID) {
				seen = append(seen, *r.Name)
			}
		}
		if page.NextCursor == nil {
			break
		}
		path = "/db/read?limit=2&cursor=" + url.QueryEscape(*page.NextCursor)
	}
	want := []string{names[2], names[1], names[0]}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("paging with limit=2 found %v, want %v (newest first, each once)", seen, want)
	}
}

func TestDBReadRejectsBadParameters(t *testing.T) {
	check(t)
	for _, q := range []string{"limit=0", "limit=101", "limit=-5", "limit=ten", "cursor=not-a-cursor", "cursor=%25%25"} {
		expectError(t, "GET /db/read?"+q, do(t, "GET", "/db/read?"+q, "", nil), http.StatusBadRequest)
	}
}

func TestDBCreateRejectsBadInput(t *testing.T) {
	check(t)
	cases := []struct {
		name        string
		contentType string
		body        string
		status      int
	}{
		{"malformed JSON", "application/json", `{"name": "x"`, http.StatusBadRequest},
		{"trailing JSON", "application/json", `{"name":"x"}{"name":"y"}`, http.StatusBadRequest},
		{"unknown field", "application/json", `{"name":"x","is_admin":true}`, http.StatusBadRequest},
		{"wrong type", "application/json", `{"name":42}`, http.StatusBadRequest},
		{"missing name", "application/json", `{"description":"no name"}`, http.StatusBadRequest},
		{"empty name", "application/json", `{"name":""}`, http.StatusBadRequest},
		{"over-long name", "application/json", `{"name":"` + strings.Repeat("x", 10000) + `"}`, http.StatusBadRequest},
		{"body over 64 KiB", "application/json", `{"name":"x","description":"` + strings.Repeat("y", 65<<10) + `"}`, http.StatusRequestEntityTooLarge},
		{"not JSON", "text/plain", `name=x`, http.StatusUnsupportedMediaType},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expectError(t, "POST /db/create ("+c.name+")", do(t, "POST", "/db/create", c.contentType, strings.NewReader(c.body)), c.status)
		})
	}
}

// expectError checks a refusal: the status and a JSON {"error": "…"}.
func expectError(t *testing.T, what string, r response, status int) {
	t.Helper()
	var body struct {
		Error *string `json:"error"`
	}
	expectJSON(t, what, r, status, &body)
	if body.Error == nil || *body.Error == "" {
		t.Errorf("%s: HTTP %d without an error message: %.300s", what, r.status, r.body)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func lenOf(rs *[]record) int {
	if rs == nil {
		return 0
	}
	return len(*rs)
}
