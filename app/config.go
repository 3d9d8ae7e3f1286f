package main

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gangway-dev/gangway/app/internal/credsfile"
)

// config is the service's configuration, read from the environment once.
type config struct {
	Host            string // LISTEN_HOST: interface to bind ("" = all)
	Port            int    // PORT (default 8000; 0 picks a free port)
	Version         string // APP_VERSION (default "dev")
	ShutdownTimeout time.Duration
	// DebugAddr is DEBUG_ADDR: a loopback host:port where net/http/pprof
	// is served; "" (the default) = no debug listener.
	DebugAddr string

	// DBConnString is the PostgreSQL connection string without the
	// password when it comes from DB_SECRET_ARN; "" = no database configured.
	DBConnString string
	DBPassword   string // DB_PASSWORD, used when DATABASE_URL is not set
	DBSecretARN  string
	DBMaxConns   int32

	S3Bucket string

	AWSRegion          string
	AWSEndpoint        string
	AWSAccessKeyID     string
	AWSSecretAccessKey string
	AWSSessionToken    string
	// AWSCredentialsFile is APP_AWS_CREDENTIALS_FILE: STS credentials JSON
	// that the host keeps fresh (package credsfile); "" = static keys or
	// the SDK's default chain.
	AWSCredentialsFile string
}

// loadConfig reads and validates the environment. Its errors name the
// variable and never echo a value that could be secret.
func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		Host:               getenv("LISTEN_HOST"),
		DebugAddr:          getenv("DEBUG_ADDR"),
		Version:            getenv("APP_VERSION"),
		DBSecretARN:        getenv("DB_SECRET_ARN"),
		DBPassword:         getenv("DB_PASSWORD"),
		S3Bucket:           getenv("S3_BUCKET"),
		AWSRegion:          getenv("AWS_REGION"),
		AWSEndpoint:        getenv("AWS_ENDPOINT_URL"),
		AWSAccessKeyID:     getenv("AWS_ACCESS_KEY_ID"),
		AWSSecretAccessKey: getenv("AWS_SECRET_ACCESS_KEY"),
		AWSSessionToken:    getenv("AWS_SESSION_TOKEN"),
		AWSCredentialsFile: getenv(credsfile.EnvVar),
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	if c.AWSRegion == "" {
		c.AWSRegion = getenv("AWS_DEFAULT_REGION")
	}
	var err error
	if c.Port, err = intVar(getenv, "PORT", 8000, 0, 65535); err != nil {
		return c, err
	}
	maxConns, err := intVar(getenv, "DB_MAX_CONNS", 10, 1, 1000)
	if err != nil {
		return c, err
	}
	c.DBMaxConns = int32(maxConns)
	if c.ShutdownTimeout, err = durationVar(getenv, "SHUTDOWN_TIMEOUT", 20*time.Second); err != nil {
		return c, err
	}
	if c.Host != "" && net.ParseIP(c.Host) == nil && c.Host != "localhost" {
		return c, fmt.Errorf("LISTEN_HOST must be an IP address or localhost")
	}
	if err := validDebugAddr(c.DebugAddr); err != nil {
		return c, err
	}

	if u := getenv("DATABASE_URL"); u != "" {
		c.DBConnString = u
		c.DBPassword = ""
	} else if host := getenv("DB_HOST"); host != "" {
		port, err := intVar(getenv, "DB_PORT", 5432, 1, 65535)
		if err != nil {
			return c, err
		}
		name := getenv("DB_NAME")
		if name == "" {
			name = "gangway"
		}
		user := getenv("DB_USER")
		if user == "" {
			user = "gangway"
		}
		sslmode := getenv("DB_SSLMODE")
		if sslmode == "" {
			sslmode = "prefer"
		}
		c.DBConnString = fmt.Sprintf("host=%s port=%d dbname=%s user=%s sslmode=%s",
			kv(host), port, kv(name), kv(user), kv(sslmode))
	}
	if c.DBConnString == "" && c.DBSecretARN != "" {
		return c, fmt.Errorf("DB_SECRET_ARN is set but no database is: set DB_HOST (or DATABASE_URL)")
	}
	if c.AWSCredentialsFile != "" && (c.AWSAccessKeyID != "" || c.AWSSecretAccessKey != "" || c.AWSSessionToken != "") {
		return c, fmt.Errorf("AWS keys and %s are both set: give the app one source of AWS credentials", credsfile.EnvVar)
	}
	if c.AWSCredentialsFile != "" && !filepath.IsAbs(c.AWSCredentialsFile) {
		return c, fmt.Errorf("%s must be an absolute path", credsfile.EnvVar)
	}
	if (c.S3Bucket != "" || c.DBSecretARN != "") && c.AWSRegion == "" {
		return c, fmt.Errorf("AWS_REGION is required when S3_BUCKET or DB_SECRET_ARN is set")
	}
	return c, nil
}

// kv quotes a value for a PostgreSQL keyword/value connection string.
func kv(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

func intVar(getenv func(string) string, name string, def, lo, hi int) (int, error) {
	s := getenv(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s must be a whole number from %d to %d, got %q", name, lo, hi, s)
	}
	return n, nil
}

func durationVar(getenv func(string) string, name string, def time.Duration) (time.Duration, error) {
	s := getenv(name)
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s must be a positive Go duration such as 20s, got %q", name, s)
	}
	return d, nil
}
