package components

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresInstall says how to install PostgreSQL's programs (initdb, pg_ctl).
const PostgresInstall = "apt-get install postgresql-15 and put /usr/lib/postgresql/15/bin on PATH"

// Postgres is a throw-away PostgreSQL cluster on a loopback port. As on
// RDS, every login needs a password (scram-sha-256), with one exception:
// the superuser on the cluster's own Unix socket (URL), the administrator's
// seam, so that a later process can attach to the cluster without keeping
// any password. The socket's directory is the cluster owner's (0700).
type Postgres struct {
	Port     int
	User     string // the superuser
	base     string // holds the data directory, the socket and the log
	pgCtl    string
	asUser   *user.User // owner of the cluster when running as root (initdb refuses root)
	stopOnce sync.Once
}

// StartPostgres creates a cluster in a new directory under dir and starts it.
// When running as root the cluster is owned by the OS user "postgres".
func StartPostgres(ctx context.Context, dir string) (*Postgres, error) {
	initdb, err := LookPath("initdb", PostgresInstall)
	if err != nil {
		return nil, err
	}
	pgCtl, err := LookPath("pg_ctl", PostgresInstall)
	if err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	// The socket URL needs an absolute path: pgx takes any other host for
	// a TCP one.
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, err
	}
	base, err := os.MkdirTemp(dir, "pg-")
	if err != nil {
		return nil, fmt.Errorf("creating cluster directory: %w", err)
	}
	p := &Postgres{Port: port, User: "postgres", base: base, pgCtl: pgCtl}
	// initdb refuses password logins without a superuser password; nobody
	// uses it (the superuser comes in over the socket), so it is not kept.
	pwFile := filepath.Join(base, "pwfile")
	if err := os.WriteFile(pwFile, []byte(RandomHex(16)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("writing password file: %w", err)
	}
	if os.Geteuid() == 0 {
		if err := p.handTo("postgres", base, pwFile); err != nil {
			return nil, err
		}
	}
	args := []string{"-D", p.DataDir(), "-U", p.User, "--pwfile", pwFile,
		"--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C"}
	out, err := p.command(ctx, initdb, args...).CombinedOutput()
	_ = os.Remove(pwFile)
	if err != nil {
		return nil, fmt.Errorf("initdb: %w: %s", err, out)
	}
	if err := p.writeHBA(); err != nil {
		return nil, err
	}
	if err := p.Resume(ctx); err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

// AttachPostgres returns a handle on a cluster started earlier (by another
// process) from its port and data directory, so that it can be reused or
// stopped.
func AttachPostgres(port int, dataDir string) (*Postgres, error) {
	pgCtl, err := LookPath("pg_ctl", PostgresInstall)
	if err != nil {
		return nil, err
	}
	dataDir, err = filepath.Abs(dataDir)
	if err != nil {
		return nil, err
	}
	p := &Postgres{Port: port, User: "postgres", base: filepath.Dir(dataDir), pgCtl: pgCtl}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("looking up the OS user postgres: %w", err)
		}
		p.asUser = u
	}
	return p, nil
}

// handTo makes the OS user name own the cluster directory, and the path
// down to it traversable by that user.
func (p *Postgres) handTo(name, base string, files ...string) error {
	u, err := user.Lookup(name)
	if err != nil {
		return fmt.Errorf("running as root needs the OS user %s to own the cluster: %w", name, err)
	}
	p.asUser = u
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	for d := filepath.Dir(base); d != "/" && d != "."; d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o001 == 0 {
			_ = os.Chmod(d, fi.Mode().Perm()|0o011)
		}
	}
	for _, f := range append([]string{base}, files...) {
		if err := os.Chown(f, uid, gid); err != nil {
			return fmt.Errorf("handing %s to %s: %w", f, name, err)
		}
	}
	return nil
}

// writeHBA replaces initdb's client authentication rules: the superuser on
// the cluster's socket without a password, every other login (any role
// over TCP, any other role on the socket) with its scram-sha-256 password.
func (p *Postgres) writeHBA() error {
	rules := fmt.Sprintf(`# Written by internal/components (see Postgres).
local all %s trust
local all all scram-sha-256
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
`, p.User)
	path := filepath.Join(p.DataDir(), "pg_hba.conf")
	if err := os.WriteFile(path, []byte(rules), 0o600); err != nil {
		return fmt.Errorf("writing the cluster's pg_hba.conf: %w", err)
	}
	if p.asUser == nil {
		return nil
	}
	uid, _ := strconv.Atoi(p.asUser.Uid)
	gid, _ := strconv.Atoi(p.asUser.Gid)
	if err := os.Chown(path, uid, gid); err != nil {
		return fmt.Errorf("handing pg_hba.conf to %s: %w", p.asUser.Username, err)
	}
	return nil
}

// DataDir is the cluster's data directory, for recording in a state file.
func (p *Postgres) DataDir() string { return filepath.Join(p.base, "data") }

// LogPath is the server's log file.
func (p *Postgres) LogPath() string { return filepath.Join(p.base, "postgres.log") }

// URL returns a connection URL for database db as the superuser, over the
// cluster's Unix socket: the one place the superuser needs no password.
func (p *Postgres) URL(db string) string {
	q := url.Values{"host": {p.base}, "port": {strconv.Itoa(p.Port)}, "user": {p.User}, "sslmode": {"disable"}}
	u := url.URL{Scheme: "postgres", Path: "/" + db, RawQuery: q.Encode()}
	return u.String()
}

// URLFor returns a TCP connection URL for database db as user/password.
func (p *Postgres) URLFor(userName, password, db string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(userName, password),
		Host: fmt.Sprintf("127.0.0.1:%d", p.Port), Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

// Exec runs SQL statements as the superuser in database db.
func (p *Postgres) Exec(ctx context.Context, db string, statements ...string) error {
	conn, err := pgx.Connect(ctx, p.URL(db))
	if err != nil {
		return fmt.Errorf("connecting to %s as %s: %w", db, p.User, err)
	}
	defer conn.Close(context.Background())
	for _, s := range statements {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("running %q: %w", s, err)
		}
	}
	return nil
}

// CreateDatabase creates a login role and a database it owns, both named
// name, and returns the role's password.
func (p *Postgres) CreateDatabase(ctx context.Context, name string) (string, error) {
	password := RandomHex(12)
	ident := pgx.Identifier{name}.Sanitize()
	err := p.Exec(ctx, "postgres",
		fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", ident, password),
		fmt.Sprintf("CREATE DATABASE %s OWNER %s", ident, ident))
	return password, err
}

// Stop shuts the cluster down immediately. Calling it twice is harmless.
func (p *Postgres) Stop() {
	p.stopOnce.Do(func() {
		_ = p.command(context.Background(), p.pgCtl, "-D", p.DataDir(), "-m", "immediate", "-w", "stop").Run()
	})
}

// Pause stops the server but keeps its data, so that Resume can bring the
// same database back on the same port.
func (p *Postgres) Pause(ctx context.Context) error {
	if out, err := p.command(ctx, p.pgCtl, "-D", p.DataDir(), "-m", "fast", "-w", "stop").CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl stop: %w: %s", err, out)
	}
	return nil
}

// Resume starts the (paused) cluster on its port and waits until it accepts
// TCP connections.
func (p *Postgres) Resume(ctx context.Context) error {
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s -c fsync=off -c max_connections=200", p.Port, p.base)
	if out, err := p.command(ctx, p.pgCtl, "-D", p.DataDir(), "-l", p.LogPath(), "-o", opts, "-w", "-t", "60", "start").CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl start (log %s): %w: %s", p.LogPath(), err, out)
	}
	if err := waitTCP(ctx, fmt.Sprintf("127.0.0.1:%d", p.Port), 30*time.Second); err != nil {
		return fmt.Errorf("PostgreSQL does not accept TCP connections (log %s): %w", p.LogPath(), err)
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
