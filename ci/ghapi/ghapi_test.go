package ghapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
)

// recorded serves a recorded GitHub answer for the environment endpoint.
func recorded(t *testing.T, status int, file string) Client {
	t.Helper()
	body, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/repos/octo-org/gangway/environments/production" || r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, `{"message":"unexpected request `+r.URL.Path+`"}`, http.StatusTeapot)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return Client{API: srv.URL, Token: "tok"}
}

func TestApprovalGateOnRecordedAnswers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		status    int
		file      string
		allow     bool
		wantErr   string
		reviewers string
		warning   string
	}{
		{"reviewers", 200, "environment-reviewers.json", false, "", "User octocat,Team release-managers", ""},
		{"self review and admin bypass", 200, "environment-self-review.json", false, "", "User release-bot", "Prevent self-review"},
		{"branch policy only", 200, "environment-branch-policy-only.json", false, "requires no reviewer", "", ""},
		{"no rules (a private repository without Enterprise)", 200, "environment-no-rules.json", false, "ALLOW_PROD_WITHOUT_REVIEW=true", "", ""},
		{"an empty reviewer list", 200, "environment-empty-reviewers.json", false, "requires no reviewer", "", ""},
		{"opted out on purpose", 200, "environment-no-rules.json", true, "", "", "without a human review"},
		{"no such environment", 404, "not-found.json", false, "does not exist", "", ""},
		{"token may not read it", 403, "forbidden.json", false, "actions: read", "", ""},
		{"opting out does not cover a missing environment", 404, "not-found.json", true, "does not exist", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			g, err := recorded(t, c.status, c.file).CheckApproval(context.Background(), "octo-org/gangway", "production", c.allow)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("CheckApproval = %v, want an error with %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(g.Reviewers, ","); got != c.reviewers {
				t.Errorf("reviewers = %q, want %q", got, c.reviewers)
			}
			if c.warning != "" && !strings.Contains(strings.Join(g.Warnings, "; "), c.warning) {
				t.Errorf("warnings = %q, want %q", g.Warnings, c.warning)
			}
		})
	}
	if _, err := (Client{}).CheckApproval(context.Background(), "not a repo", "production", false); err == nil {
		t.Error("a bad repository name was accepted")
	}
	_, err := recorded(t, 200, "environment-no-rules.json").CheckApproval(context.Background(), "octo-org/gangway", "production", false)
	if !errors.Is(err, ErrNoReviewer) {
		t.Errorf("error = %v, want ErrNoReviewer", err)
	}
}

// fakeComments is a pull request's comment list behind the issues API.
type fakeComments struct {
	mu       sync.Mutex
	comments []Comment
	posts    int
	patches  int
}

func (f *fakeComments) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/repos/octo-org/gangway/issues/7/comments":
		page := r.URL.Query().Get("page")
		var out []Comment
		if page == "1" {
			out = f.comments
		}
		_ = json.NewEncoder(w).Encode(out)
	case r.Method == http.MethodPost && r.URL.Path == "/repos/octo-org/gangway/issues/7/comments":
		var b struct{ Body string }
		data, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(data, &b)
		c := Comment{ID: int64(100 + len(f.comments)), Body: b.Body}
		c.User.Login = "github-actions[bot]"
		f.comments = append(f.comments, c)
		f.posts++
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(c)
	case r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, "/repos/octo-org/gangway/issues/comments/"):
		var b struct{ Body string }
		data, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(data, &b)
		for i := range f.comments {
			if r.URL.Path == fmt.Sprintf("/repos/octo-org/gangway/issues/comments/%d", f.comments[i].ID) {
				f.comments[i].Body = b.Body
				f.patches++
				_ = json.NewEncoder(w).Encode(f.comments[i])
				return
			}
		}
		w.WriteHeader(http.StatusNotFound)
	default:
		w.WriteHeader(http.StatusTeapot)
	}
}

// TestOneCommentUpdatedOnEachPush writes the preview three times: one
// comment, created once and then updated; someone else's comment that
// quotes the marker is left alone.
func TestOneCommentUpdatedOnEachPush(t *testing.T) {
	t.Parallel()
	f := &fakeComments{}
	other := Comment{ID: 1, Body: "I copied <!-- gangway-preview --> here"}
	other.User.Login = "someone"
	f.comments = append(f.comments, other)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c := Client{API: srv.URL, Token: "tok"}
	for i, body := range []string{"plan 1", "plan 2", "plan 3"} {
		created, err := c.UpsertComment(context.Background(), "octo-org/gangway", 7, "<!-- gangway-preview -->", "github-actions[bot]", body)
		if err != nil {
			t.Fatal(err)
		}
		if created != (i == 0) {
			t.Errorf("push %d: created = %v", i+1, created)
		}
	}
	if f.posts != 1 || f.patches != 2 || len(f.comments) != 2 {
		t.Fatalf("posts %d, patches %d, comments %d: want one comment created and updated twice", f.posts, f.patches, len(f.comments))
	}
	if got := f.comments[1].Body; got != "<!-- gangway-preview -->\nplan 3" {
		t.Errorf("the comment says %q, want the latest plan", got)
	}
	if f.comments[0].Body != other.Body {
		t.Error("someone else's comment was changed")
	}
	if _, err := c.UpsertComment(context.Background(), "octo-org/gangway", 7, "gangway-preview", "", "x"); err == nil {
		t.Error("a visible marker was accepted")
	}
}
