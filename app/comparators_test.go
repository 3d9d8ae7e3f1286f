package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gangway-dev/gangway/internal/bench"
)

// The benchmark's comparators (internal/bench) must answer exactly what the
// service answers, or the ratios that .ci/bench/app.sh prints compare
// different work.
func TestBenchComparatorsAnswerLikeTheService(t *testing.T) {
	t.Parallel()
	pg, _ := world(t)
	name, password := newDatabase(t, pg)
	a := startApp(t, dbEnv(pg, name, password, name))
	for i := range 60 {
		wantStatus(t, "seeding", postJSON(t, a.URL+"/db/create", fmt.Sprintf(`{"name":"seed-%d","description":"d \"%d\" é"}`, i, i)), http.StatusCreated)
	}
	pool, err := pgxpool.New(context.Background(), pg.URLFor(name, password, name))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	bare := httptest.NewServer(bench.HealthHandler("v-test"))
	defer bare.Close()
	raw := httptest.NewServer(bench.ReadHandler(pool))
	defer raw.Close()

	cases := []struct {
		name, service, comparator string
	}{
		{"health", a.URL + "/health", bare.URL + "/health"},
		{"read 50", a.URL + "/db/read?limit=50", raw.URL + "/db/read?limit=50"},
		{"read default", a.URL + "/db/read", raw.URL + "/db/read"},
		{"read 1", a.URL + "/db/read?limit=1", raw.URL + "/db/read?limit=1"},
		{"read 100 (last page)", a.URL + "/db/read?limit=100", raw.URL + "/db/read?limit=100"},
	}
	for _, c := range cases {
		want, got := get(t, c.service), get(t, c.comparator)
		wantStatus(t, c.name+" (service)", want, http.StatusOK)
		wantStatus(t, c.name+" (comparator)", got, http.StatusOK)
		if !bytes.Equal(got.Body, want.Body) {
			t.Errorf("%s: the comparator answers\n%s\nthe service\n%s", c.name, got.Body, want.Body)
		}
	}
	if r := get(t, a.URL+"/db/read?limit=50"); len(r.JSON["records"].([]any)) != 50 || r.JSON["next_cursor"] == nil {
		t.Errorf("GET /db/read?limit=50 over 60 records: %s, want 50 records and a next_cursor", r.Body)
	}
}
