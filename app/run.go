package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/gangway-dev/gangway/app/internal/credsfile"
	"github.com/gangway-dev/gangway/app/internal/dbsecret"
	"github.com/gangway-dev/gangway/app/internal/store"
)

// run starts the service and serves until ctx is done, then shuts down
// gracefully: in-flight requests get SHUTDOWN_TIMEOUT to finish.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet(args[0], flag.ContinueOnError)
	flags.SetOutput(stderr)
	healthcheck := flags.Bool("healthcheck", false, "GET /health on 127.0.0.1:$PORT and exit 0 when it answers 200 (for container HEALTHCHECK in an image without a shell)")
	if err := flags.Parse(args[1:]); err != nil {
		return err
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	if *healthcheck {
		return checkHealth(ctx, cfg.Port, stdout)
	}
	logger := slog.New(slog.NewJSONHandler(stderr, nil)).With("version", cfg.Version)

	var awsCfg aws.Config
	if cfg.S3Bucket != "" || cfg.DBSecretARN != "" {
		if awsCfg, err = loadAWSConfig(ctx, cfg); err != nil {
			return err
		}
	}

	var db *store.Store
	if cfg.DBConnString != "" {
		var creds store.Credentials
		switch {
		case cfg.DBSecretARN != "":
			creds = dbsecret.New(secretsmanager.NewFromConfig(awsCfg), cfg.DBSecretARN)
		case cfg.DBPassword != "":
			creds = staticPassword(cfg.DBPassword)
		}
		db, err = store.Open(store.Options{ConnString: cfg.DBConnString, Credentials: creds, MaxConns: cfg.DBMaxConns, Logger: logger})
		if err != nil {
			return err
		}
		defer db.Close()
	} else {
		logger.Warn("no database configured (DATABASE_URL or DB_HOST); /db endpoints answer 503")
	}

	var objects objectLister
	if cfg.S3Bucket != "" {
		objects = s3.NewFromConfig(awsCfg, func(o *s3.Options) {
			// Emulators serve buckets by path, not by virtual host.
			o.UsePathStyle = cfg.AWSEndpoint != ""
		})
	} else {
		logger.Warn("no S3_BUCKET configured; /s3/list answers 503")
	}

	// Migrations: one attempt before listening, so a healthy service is
	// fully ready when it first answers; then in the background until they
	// succeed, so that /health is served while the database is down.
	if db != nil {
		if err := db.Migrate(ctx); err != nil {
			logger.Warn("database not ready at start; serving anyway and retrying the migrations", "error", err.Error())
			go db.MigrateUntilDone(ctx, 15*time.Second) // ends at shutdown
		}
	}

	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)))
	if err != nil {
		return fmt.Errorf("listening on port %d: %w", cfg.Port, err)
	}
	srv := &http.Server{
		Handler:           NewServer(logger, cfg.Version, dbOrNil(db), objects, cfg.S3Bucket),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	if cfg.DebugAddr != "" {
		dln, err := net.Listen("tcp", cfg.DebugAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listening on DEBUG_ADDR %s: %w", cfg.DebugAddr, err)
		}
		dsrv := newDebugServer()
		go func() { _ = dsrv.Serve(dln) }()
		defer dsrv.Close()
		logger.Warn("debug listener serving net/http/pprof (DEBUG_ADDR)", "debug_addr", dln.Addr().String())
	}
	logger.Info("listening", "addr", ln.Addr().String())
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	select {
	case err := <-serveErr:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	// A fresh context: ctx is already cancelled.
	logger.Info("shutting down; finishing in-flight requests", "timeout", cfg.ShutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("requests still running after SHUTDOWN_TIMEOUT (%s) were cut off: %w", cfg.ShutdownTimeout, err)
	}
	logger.Info("stopped")
	return nil
}

// dbOrNil keeps a nil *store.Store from becoming a non-nil interface.
func dbOrNil(db *store.Store) recordStore {
	if db == nil {
		return nil
	}
	return db
}

// loadAWSConfig builds the SDK configuration from the injected environment
// (not the process's), so that tests can run several instances at once.
// On a host the credentials come from the file the host keeps fresh
// (credsfile); without it or static keys the default chain applies.
func loadAWSConfig(ctx context.Context, cfg config) (aws.Config, error) {
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(cfg.AWSRegion)}
	switch {
	case cfg.AWSCredentialsFile != "":
		opts = append(opts, awsconfig.WithCredentialsProvider(credsfile.NewProvider(cfg.AWSCredentialsFile)))
	case cfg.AWSAccessKeyID != "":
		opts = append(opts, awsconfig.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(cfg.AWSAccessKeyID, cfg.AWSSecretAccessKey, cfg.AWSSessionToken)))
	}
	if cfg.AWSEndpoint != "" {
		opts = append(opts, awsconfig.WithBaseEndpoint(cfg.AWSEndpoint))
	}
	c, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	return c, nil
}

// staticPassword is DB_PASSWORD as store.Credentials: the user comes from
// the connection settings.
type staticPassword string

func (p staticPassword) Credentials(context.Context) (string, string, error) {
	return "", string(p), nil
}
func (p staticPassword) Invalidate() {}

// checkHealth is the -healthcheck mode.
func checkHealth(ctx context.Context, port int, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/health", port), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: /health answered %d", resp.StatusCode)
	}
	fmt.Fprintf(stdout, "%s", body)
	return nil
}
