package components

import (
	"context"
	"fmt"
	"net/http"
	"strings"
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
	if conn, err := pgx.Connect(ctx, p.URLFor(p.User, "", "postgres")); err == nil {
		conn.Close(ctx)
		t.Fatal("the superuser logged in over TCP without a password; only its socket may trust it")
	}
	onSocket := strings.Replace(p.URL("app_one"), "user="+p.User, "user=app_one", 1)
	if conn, err := pgx.Connect(ctx, onSocket); err == nil {
		conn.Close(ctx)
		t.Fatal("app_one logged in on the socket without a password; only the superuser may")
	}
}

// A later process attaches to a running cluster from what a state file
// records, and reaches it as the superuser with no password kept.
func TestAttachPostgres(t *testing.T) {
	t.Parallel()
	p := PostgresT(t)
	ctx := context.Background()
	attached, err := AttachPostgres(p.Port, p.DataDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := attached.Exec(ctx, "postgres", "SELECT 1"); err != nil {
		t.Fatalf("the attached handle cannot reach the cluster: %v", err)
	}
	attached.Stop()
	if Listening(fmt.Sprintf("127.0.0.1:%d", p.Port)) {
		t.Error("the cluster still listens after the attached handle stopped it")
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

// Ports are never handed out twice in a process, within a call or across
// calls: the load balancer once got its HTTPS port twice, and HAProxy
// shared it between two frontends; a host's slot ports stay unbound until
// a release is published on them.
func TestFreePortsAreNeverHandedOutTwice(t *testing.T) {
	seen := map[int]bool{}
	note := func(ports []int) {
		for _, p := range ports {
			if seen[p] {
				t.Fatalf("port %d handed out twice", p)
			}
			seen[p] = true
		}
	}
	ports, err := FreePorts(64)
	if err != nil {
		t.Fatal(err)
	}
	note(ports)
	for range 1000 {
		p, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		note([]int{p})
	}
	if _, err := FreePorts(-1); err == nil {
		t.Error("FreePorts(-1) returned no error")
	}
}
