package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/gangway-dev/gangway/internal/components"
)

func newStore(t *testing.T, pg *components.Postgres, db, password string) *Store {
	t.Helper()
	s, err := Open(Options{ConnString: pg.URLFor(db, password, db)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestMigrationsAreSafeWhenInstancesStartTogether(t *testing.T) {
	t.Parallel()
	pg := components.PostgresT(t)
	password, err := pg.CreateDatabase(context.Background(), "gangway")
	if err != nil {
		t.Fatal(err)
	}
	const instances = 6
	stores := make([]*Store, instances)
	for i := range stores {
		stores[i] = newStore(t, pg, "gangway", password)
	}
	var wg sync.WaitGroup
	errs := make([]error, instances)
	for i, s := range stores {
		wg.Go(func() { errs[i] = s.Migrate(context.Background()) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent migrations: %v", err)
	}
	conn, err := pgx.Connect(context.Background(), pg.URL("gangway"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var rows, maxVersion int
	if err := conn.QueryRow(context.Background(), "SELECT count(*), max(version) FROM schema_migrations").Scan(&rows, &maxVersion); err != nil {
		t.Fatal(err)
	}
	ms, _ := migrations()
	if rows != len(ms) || maxVersion != SchemaVersion() {
		t.Errorf("schema_migrations has %d rows up to %d, want %d up to %d", rows, maxVersion, len(ms), SchemaVersion())
	}
	// And again: nothing left to do.
	if err := stores[0].Migrate(context.Background()); err != nil {
		t.Errorf("migrating a migrated database: %v", err)
	}
}

func TestListIsNewestFirstAcrossTies(t *testing.T) {
	t.Parallel()
	pg := components.PostgresT(t)
	ctx := context.Background()
	password, err := pg.CreateDatabase(ctx, "gangway")
	if err != nil {
		t.Fatal(err)
	}
	s := newStore(t, pg, "gangway", password)
	if _, _, err := s.List(ctx, 10, nil); !errors.Is(err, ErrNotMigrated) {
		t.Fatalf("List before migrating = %v, want ErrNotMigrated", err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// Five rows in one transaction share created_at (now() is the
	// transaction's start): the id must order them.
	if err := pg.Exec(ctx, "gangway", "BEGIN",
		"INSERT INTO records (name) SELECT 'tie-' || g FROM generate_series(1, 5) g", "COMMIT"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, "latest", ""); err != nil {
		t.Fatal(err)
	}
	var got []string
	var after *Cursor
	for page := 0; ; page++ {
		recs, more, err := s.List(ctx, 2, after)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			got = append(got, r.Name)
		}
		if !more {
			break
		}
		last := recs[len(recs)-1]
		after = &Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
		if page > 5 {
			t.Fatal("pagination does not end")
		}
	}
	want := []string{"latest", "tie-5", "tie-4", "tie-3", "tie-2", "tie-1"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pages = %v, want %v", got, want)
	}
}

func TestOpenHidesTheConnectionString(t *testing.T) {
	t.Parallel()
	_, err := Open(Options{ConnString: "postgres://user:s3cret@[bad"})
	if err == nil {
		t.Fatal("Open accepted a broken URL")
	}
	if got := err.Error(); strings.Contains(got, "s3cret") || strings.Contains(got, "postgres://") {
		t.Errorf("Open error quotes the connection string: %s", got)
	}
}
