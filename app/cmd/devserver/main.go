// Command devserver runs the service locally against a throw-away
// PostgreSQL cluster and moto_server (S3 and Secrets Manager), wired the way
// the EC2 host wires it: DB_HOST/DB_PORT/DB_NAME/DB_USER plus DB_SECRET_ARN,
// S3_BUCKET, AWS_REGION and AWS_ENDPOINT_URL.
//
//	go run ./app/cmd/devserver            # from the repository root; Ctrl-C stops everything
//	go run ./app/cmd/devserver -port 0 -url-file /tmp/url
//	go run ./app/cmd/devserver -database-url-file /tmp/db   # also the database URL, for benchmarks
//
// It prints APP_URL=… on stdout once /health answers, and on SIGINT or
// SIGTERM stops the service (gracefully), moto_server and PostgreSQL, and
// removes their files.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/gangway-dev/gangway/internal/components"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "devserver: %v\n", err)
		os.Exit(1)
	}
}

const (
	bucket = "gangway-dev"
	dbName = "gangway"
)

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet(args[0], flag.ContinueOnError)
	flags.SetOutput(stderr)
	port := flags.Int("port", 8000, "port for the service on 127.0.0.1 (0: a free one)")
	appBin := flags.String("app", "", "a built service binary to run (default: go build ./app from the current directory)")
	urlFile := flags.String("url-file", "", "also write the service's base URL to this file once it is ready")
	version := flags.String("version", "dev-local", "APP_VERSION for the service")
	dbURLFile := flags.String("database-url-file", "", "also write the service's database URL (with its password) to this file, mode 0600, for tools such as the benchmark's comparators")
	if err := flags.Parse(args[1:]); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "gangway-dev-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, "devserver: "+format+"\n", a...) }

	if *appBin == "" {
		*appBin = filepath.Join(dir, "app")
		logf("building ./app")
		build := exec.CommandContext(ctx, "go", "build", "-o", *appBin, "./app")
		build.Stdout, build.Stderr = stderr, stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build ./app (run devserver from the repository root): %w", err)
		}
	}
	if *port == 0 {
		if *port, err = components.FreePort(); err != nil {
			return err
		}
	}

	logf("starting PostgreSQL")
	pg, err := components.StartPostgres(ctx, dir)
	if err != nil {
		return fmt.Errorf("starting PostgreSQL: %w", err)
	}
	defer pg.Stop()
	// The role and database the service uses are named as on RDS.
	password, err := pg.CreateDatabase(ctx, dbName)
	if err != nil {
		return err
	}
	logf("starting moto_server")
	moto, err := components.StartMoto(ctx, dir)
	if err != nil {
		return fmt.Errorf("starting moto_server: %w", err)
	}
	defer moto.Stop()
	secretARN, err := seedAWS(ctx, moto, password)
	if err != nil {
		return err
	}

	env := append(os.Environ(), moto.Env()...)
	env = append(env,
		fmt.Sprintf("PORT=%d", *port), "LISTEN_HOST=127.0.0.1", "APP_VERSION="+*version,
		"DB_HOST=127.0.0.1", fmt.Sprintf("DB_PORT=%d", pg.Port), "DB_NAME="+dbName, "DB_USER="+dbName,
		"DB_SSLMODE=disable", "DB_SECRET_ARN="+secretARN, "S3_BUCKET="+bucket)
	app := exec.Command(*appBin)
	app.Env, app.Stdout, app.Stderr = env, stderr, stderr
	if err := app.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", *appBin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- app.Wait() }()

	base := fmt.Sprintf("http://127.0.0.1:%d", *port)
	if err := waitHealthy(ctx, base, exited); err != nil {
		_ = app.Process.Signal(syscall.SIGTERM)
		return err
	}
	if *dbURLFile != "" {
		if err := os.WriteFile(*dbURLFile, []byte(pg.URLFor(dbName, password, dbName)+"\n"), 0o600); err != nil {
			return err
		}
	}
	if *urlFile != "" {
		if err := os.WriteFile(*urlFile, []byte(base+"\n"), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "APP_URL=%s\n", base)
	logf("ready: PostgreSQL on 127.0.0.1:%d, moto on %s, bucket %s, secret %s; Ctrl-C stops everything", pg.Port, moto.Endpoint, bucket, secretARN)

	select {
	case err := <-exited:
		return fmt.Errorf("the service exited: %w", unasked(err))
	case <-ctx.Done():
	}
	logf("stopping")
	_ = app.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			return fmt.Errorf("the service did not stop cleanly: %w", err)
		}
	case <-time.After(30 * time.Second):
		_ = app.Process.Kill()
		return errors.New("the service did not stop within 30s of SIGTERM")
	}
	return nil
}

// unasked is the error of a service that exited before it was stopped:
// Wait's, or one saying it exited 0 (it must run until stopped).
func unasked(waitErr error) error {
	if waitErr == nil {
		return errors.New("exit status 0")
	}
	return waitErr
}

// seedAWS creates the bucket (with one object) and the database secret, in
// the shape RDS gives it, and returns the secret's ARN.
func seedAWS(ctx context.Context, moto *components.Moto, password string) (string, error) {
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(moto.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		return "", fmt.Errorf("creating bucket: %w", err)
	}
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("welcome.txt"),
		Body: strings.NewReader("served by moto_server\n")}); err != nil {
		return "", fmt.Errorf("putting an object: %w", err)
	}
	value, _ := json.Marshal(map[string]string{"username": dbName, "password": password})
	out, err := secretsmanager.NewFromConfig(cfg).CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("gangway/dev/db"), SecretString: aws.String(string(value))})
	if err != nil {
		return "", fmt.Errorf("creating the database secret: %w", err)
	}
	return aws.ToString(out.ARN), nil
}

// waitHealthy polls /health, a pause between tries, for up to 60 seconds.
func waitHealthy(ctx context.Context, base string, exited <-chan error) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if resp, err := client.Get(base + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s/health did not answer 200 within 60s", base)
		}
		select {
		case err := <-exited:
			return fmt.Errorf("the service exited before it was healthy: %w", unasked(err))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
