package testenv

import (
	"context"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestPostgresNeedsPassword(t *testing.T) {
	t.Parallel()
	p := PostgresT(t)
	ctx := context.Background()
	password, err := p.CreateDatabase(ctx, "app_one")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, p.URLFor("app_one", password, "app_one"))
	if err != nil {
		t.Fatalf("connecting with the right password: %v", err)
	}
	conn.Close(ctx)
	if conn, err := pgx.Connect(ctx, p.URLFor("app_one", "wrong", "app_one")); err == nil {
		conn.Close(ctx)
		t.Fatal("connecting with a wrong password succeeded; the cluster must require passwords on TCP")
	}
}

func TestPostgresPauseResume(t *testing.T) {
	t.Parallel()
	p := PostgresT(t)
	ctx := context.Background()
	if err := p.Exec(ctx, "postgres", "CREATE TABLE kept (n int)", "INSERT INTO kept VALUES (7)"); err != nil {
		t.Fatal(err)
	}
	if err := p.Pause(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Exec(ctx, "postgres", "SELECT 1"); err == nil {
		t.Fatal("query succeeded while paused")
	}
	if err := p.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Exec(ctx, "postgres", "SELECT n FROM kept"); err != nil {
		t.Fatalf("data after resume: %v", err)
	}
}

func TestMotoAnswers(t *testing.T) {
	t.Parallel()
	m := MotoT(t)
	resp, err := http.Get(m.Endpoint + "/moto-api/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got, want := resp.StatusCode, http.StatusOK; got != want {
		t.Errorf("moto-api status = %d, want %d", got, want)
	}
}
