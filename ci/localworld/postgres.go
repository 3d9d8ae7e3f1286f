package localworld

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Postgres is a throw-away PostgreSQL cluster on a loopback port.
type Postgres struct {
	Port    int
	User    string // superuser, trusted on loopback
	dataDir string
	pgCtl   string
	asUser  *user.User // the OS user that owns the cluster (initdb refuses root)
	stopped bool
}

// DataDir is the cluster's data directory, for recording in a state file.
func (p *Postgres) DataDir() string { return p.dataDir }

// AttachPostgres returns a handle on a cluster started earlier (by another
// process) from its port and data directory, so that it can be reused or
// stopped.
func AttachPostgres(port int, dataDir string) (*Postgres, error) {
	pgCtl, err := lookPath("pg_ctl", "apt-get install postgresql-15 and put /usr/lib/postgresql/15/bin on PATH")
	if err != nil {
		return nil, err
	}
	p := &Postgres{Port: port, User: "postgres", dataDir: dataDir, pgCtl: pgCtl}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("looking up the OS user postgres: %w", err)
		}
		p.asUser = u
	}
	return p, nil
}

// StartPostgres creates a cluster in a new directory under dir and starts it.
// When running as root the cluster is owned by the "postgres" OS user.
func StartPostgres(ctx context.Context, dir string) (*Postgres, error) {
	initdb, err := lookPath("initdb", "apt-get install postgresql-15 and put /usr/lib/postgresql/15/bin on PATH")
	if err != nil {
		return nil, err
	}
	pgCtl, err := lookPath("pg_ctl", "apt-get install postgresql-15 and put /usr/lib/postgresql/15/bin on PATH")
	if err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	base, err := os.MkdirTemp(dir, "pg-")
	if err != nil {
		return nil, fmt.Errorf("creating cluster directory: %w", err)
	}
	p := &Postgres{Port: port, User: "postgres", dataDir: filepath.Join(base, "data"), pgCtl: pgCtl}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root needs the OS user postgres to own the cluster: %w", err)
		}
		p.asUser = u
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		// The path down to the cluster must be traversable by that user.
		for d := base; d != "/" && d != "."; d = filepath.Dir(d) {
			if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o001 == 0 {
				_ = os.Chmod(d, fi.Mode().Perm()|0o011)
			}
		}
		if err := os.Chown(base, uid, gid); err != nil {
			return nil, fmt.Errorf("handing the cluster directory to postgres: %w", err)
		}
	}
	if out, err := p.command(ctx, initdb, "-D", p.dataDir, "-U", p.User, "-A", "trust", "--no-sync", "-E", "UTF8").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %w: %s", err, out)
	}
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s -c fsync=off -c max_connections=200", port, base)
	logPath := filepath.Join(base, "postgres.log")
	if out, err := p.command(ctx, pgCtl, "-D", p.dataDir, "-l", logPath, "-o", opts, "-w", "-t", "60", "start").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pg_ctl start (log %s): %w: %s", logPath, err, out)
	}
	if err := waitTCP(ctx, fmt.Sprintf("127.0.0.1:%d", port), 30*time.Second); err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

// URL returns a connection URL for database db on this cluster.
func (p *Postgres) URL(db string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", p.User, p.Port, db)
}

// Stop shuts the cluster down immediately. Calling it twice is harmless.
func (p *Postgres) Stop() {
	if p.stopped {
		return
	}
	p.stopped = true
	_ = p.command(context.Background(), p.pgCtl, "-D", p.dataDir, "-m", "immediate", "-w", "stop").Run()
}

// Pause stops the server but keeps its data, so that Resume can bring the
// same database back (to test what happens while the database is down).
func (p *Postgres) Pause(ctx context.Context) error {
	if out, err := p.command(ctx, p.pgCtl, "-D", p.dataDir, "-m", "fast", "-w", "stop").CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl stop: %w: %s", err, out)
	}
	return nil
}

// Resume starts a paused cluster again on the same port.
func (p *Postgres) Resume(ctx context.Context) error {
	base := filepath.Dir(p.dataDir)
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s -c fsync=off -c max_connections=200", p.Port, base)
	if out, err := p.command(ctx, p.pgCtl, "-D", p.dataDir, "-l", filepath.Join(base, "postgres.log"), "-o", opts, "-w", "-t", "60", "start").CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl start: %w: %s", err, out)
	}
	return nil
}

func (p *Postgres) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	if p.asUser != nil {
		uid, _ := strconv.Atoi(p.asUser.Uid)
		gid, _ := strconv.Atoi(p.asUser.Gid)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
		cmd.Dir = "/"
		cmd.Env = append(cmd.Env, "HOME="+p.asUser.HomeDir)
	}
	return cmd
}

func waitTCP(ctx context.Context, addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("waiting for %s: %w", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
