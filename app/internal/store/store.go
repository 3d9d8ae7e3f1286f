package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Credentials supplies the database login for each new connection.
// Invalidate is called when a login is refused, so that the next connection
// fetches them again (RDS rotates the password it manages).
type Credentials interface {
	Credentials(ctx context.Context) (user, password string, err error)
	Invalidate()
}

// Options configures Open. Zero values take the documented defaults.
type Options struct {
	// ConnString is a PostgreSQL URL or keyword/value string. Required.
	ConnString string
	// Credentials, when set, overrides the user and password of ConnString
	// for every new connection.
	Credentials Credentials
	// MaxConns bounds the pool (default 10).
	MaxConns int32
	// ConnectTimeout bounds one connection attempt (default 5s).
	ConnectTimeout time.Duration
	// QueryTimeout bounds each operation, including waiting for a
	// connection (default 5s).
	QueryTimeout time.Duration
	// Logger receives connection and migration events (default: discard).
	Logger *slog.Logger
}

// Store is the service's record store. Its methods are safe for concurrent use.
type Store struct {
	pool         *pgxpool.Pool
	creds        Credentials
	log          *slog.Logger
	queryTimeout time.Duration

	mu         sync.Mutex
	migrated   bool
	migrateErr error
}

// Record is one stored record.
type Record struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
}

// ErrNotMigrated reports that the schema has not been applied yet.
var ErrNotMigrated = errors.New("database schema not migrated yet")

// Open prepares a pool without connecting: the service must start, and
// serve what does not need the database, while the database is down.
// The error never contains the connection string.
func Open(opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(opts.ConnString)
	if err != nil {
		// pgx redacts passwords, but the string may hold other secrets in
		// unusual places: report the fact only.
		return nil, errors.New("the database connection settings are not valid (check DATABASE_URL or DB_HOST/DB_PORT/DB_NAME/DB_USER)")
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = 10
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 5 * time.Second
	}
	if opts.QueryTimeout <= 0 {
		opts.QueryTimeout = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.MaxConns = opts.MaxConns
	cfg.MaxConnLifetime = 30 * time.Minute
	cfg.MaxConnIdleTime = 5 * time.Minute
	cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "gangway"
	// A server-side bound as well, in case a client context is lost.
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = fmt.Sprint(opts.QueryTimeout.Milliseconds())
	if c := opts.Credentials; c != nil {
		cfg.BeforeConnect = func(ctx context.Context, cc *pgx.ConnConfig) error {
			user, password, err := c.Credentials(ctx)
			if err != nil {
				return fmt.Errorf("fetching database credentials: %w", err)
			}
			if user != "" {
				cc.User = user
			}
			cc.Password = password
			return nil
		}
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("creating the database pool: %w", err)
	}
	return &Store{pool: pool, creds: opts.Credentials, log: opts.Logger, queryTimeout: opts.QueryTimeout}, nil
}

// Close closes every connection.
func (s *Store) Close() { s.pool.Close() }

// observe reacts to an operation's error: a refused login invalidates the
// credentials so that the next connection fetches fresh ones.
func (s *Store) observe(err error) error {
	if err == nil || s.creds == nil {
		return err
	}
	if IsAuthError(err) {
		s.log.Warn("database login refused; fetching the credentials again for the next connection")
		s.creds.Invalidate()
	}
	return err
}

// IsAuthError reports whether err is PostgreSQL refusing a login
// (invalid_password or invalid_authorization_specification).
func IsAuthError(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "28P01" || pgErr.Code == "28000")
}

// Migrate applies pending migrations once. After the first success the
// store serves records.
func (s *Store) Migrate(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 4*s.queryTimeout)
	defer cancel()
	applied, err := migrate(ctx, s.pool)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.migrateErr = s.observe(err)
		return err
	}
	s.migrated, s.migrateErr = true, nil
	if len(applied) > 0 {
		s.log.Info("database migrations applied", "migrations", applied)
	}
	return nil
}

// MigrateUntilDone calls Migrate until it succeeds or ctx ends, waiting a
// growing delay (from one second up to max) between attempts.
func (s *Store) MigrateUntilDone(ctx context.Context, maxDelay time.Duration) {
	delay := time.Second
	for {
		err := s.Migrate(ctx)
		if err == nil {
			return
		}
		s.log.Warn("database not ready; will retry the migrations", "error", err.Error(), "retry_in", delay.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, maxDelay)
	}
}

// Migrated reports whether the schema has been applied, and if not, the
// last attempt's error (nil before the first attempt ends).
func (s *Store) Migrated() (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.migrated, s.migrateErr
}

// Status is what Ping reports about a reachable database.
type Status struct {
	SchemaVersion int
	Latency       time.Duration
}

// Ping runs a query on a pooled connection and reads the schema version.
// Before the first successful migration it tries to migrate first.
func (s *Store) Ping(ctx context.Context) (Status, error) {
	if ok, _ := s.Migrated(); !ok {
		// Try now rather than report the background loop's last (possibly
		// old) failure: a status check then reflects the database as it is.
		if err := s.Migrate(ctx); err != nil {
			return Status{}, fmt.Errorf("%w: %w", ErrNotMigrated, err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, s.queryTimeout)
	defer cancel()
	start := time.Now()
	var st Status
	err := s.pool.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&st.SchemaVersion)
	st.Latency = time.Since(start)
	return st, s.observe(err)
}

// Create stores a record and returns it as stored.
func (s *Store) Create(ctx context.Context, name, description string) (Record, error) {
	if ok, _ := s.Migrated(); !ok {
		return Record{}, ErrNotMigrated
	}
	ctx, cancel := context.WithTimeout(ctx, s.queryTimeout)
	defer cancel()
	var r Record
	err := s.pool.QueryRow(ctx,
		"INSERT INTO records (name, description) VALUES ($1, $2) RETURNING id, name, description, created_at",
		name, description).Scan(&r.ID, &r.Name, &r.Description, &r.CreatedAt)
	if err != nil {
		return Record{}, s.observe(fmt.Errorf("inserting a record: %w", err))
	}
	r.CreatedAt = r.CreatedAt.UTC()
	return r, nil
}

// Cursor is a position in the newest-first order: the last record of a page.
type Cursor struct {
	CreatedAt time.Time
	ID        int64
}

// List returns up to limit records, newest first (created_at, then id),
// that come after the cursor (nil: from the newest). more reports whether
// older records remain.
func (s *Store) List(ctx context.Context, limit int, after *Cursor) (records []Record, more bool, err error) {
	if ok, _ := s.Migrated(); !ok {
		return nil, false, ErrNotMigrated
	}
	ctx, cancel := context.WithTimeout(ctx, s.queryTimeout)
	defer cancel()
	// One extra row tells whether another page exists.
	const cols = "SELECT id, name, description, created_at FROM records "
	var rows pgx.Rows
	if after == nil {
		rows, err = s.pool.Query(ctx, cols+"ORDER BY created_at DESC, id DESC LIMIT $1", limit+1)
	} else {
		rows, err = s.pool.Query(ctx, cols+"WHERE (created_at, id) < ($1, $2) ORDER BY created_at DESC, id DESC LIMIT $3",
			after.CreatedAt, after.ID, limit+1)
	}
	if err != nil {
		return nil, false, s.observe(fmt.Errorf("listing records: %w", err))
	}
	records, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Record, error) {
		var r Record
		err := row.Scan(&r.ID, &r.Name, &r.Description, &r.CreatedAt)
		r.CreatedAt = r.CreatedAt.UTC()
		return r, err
	})
	if err != nil {
		return nil, false, s.observe(fmt.Errorf("listing records: %w", err))
	}
	if len(records) > limit {
		return records[:limit], true, nil
	}
	return records, false, nil
}
