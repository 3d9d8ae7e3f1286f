package localflow

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/jackc/pgx/v5"

	"github.com/gangway-dev/gangway/ci/tf"
)

// dbCredentials is the secret RDS keeps for its master user.
type dbCredentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// readDBSecret reads the master user's secret that Terraform had RDS create.
func readDBSecret(ctx context.Context, cfg aws.Config, arn string) (dbCredentials, error) {
	var c dbCredentials
	out, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return c, fmt.Errorf("reading the database secret %s: %w", arn, err)
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &c); err != nil || c.Username == "" {
		return c, fmt.Errorf("the database secret %s holds no username/password JSON", arn)
	}
	return c, nil
}

// provisionDatabase does on the local PostgreSQL what RDS does when it
// creates the instance: a database "gangway" owned by the master user, with
// the password from the secret. Running it again only resets the password.
func provisionDatabase(ctx context.Context, superuserURL string, c dbCredentials) error {
	conn, err := pgx.Connect(ctx, superuserURL)
	if err != nil {
		return fmt.Errorf("connecting to the local database as superuser: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", c.Username).Scan(&exists); err != nil {
		return fmt.Errorf("looking up role: %w", err)
	}
	verb := "CREATE"
	if exists {
		verb = "ALTER"
	}
	// DDL takes no bind parameters: let the server quote the name and the
	// password (format %I / %L), so that nothing is spliced in by hand.
	var stmt string
	if err := conn.QueryRow(ctx, "SELECT format('"+verb+" ROLE %I LOGIN PASSWORD %L', $1::text, $2::text)", c.Username, c.Password).Scan(&stmt); err != nil {
		return fmt.Errorf("quoting the role statement: %w", err)
	}
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("%s ROLE for the master user: %w", strings.ToLower(verb), err)
	}
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'gangway')").Scan(&exists); err != nil {
		return fmt.Errorf("looking up database: %w", err)
	}
	if !exists {
		if err := conn.QueryRow(ctx, "SELECT format('CREATE DATABASE gangway OWNER %I', $1::text)", c.Username).Scan(&stmt); err != nil {
			return fmt.Errorf("quoting the database statement: %w", err)
		}
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("creating database gangway: %w", err)
		}
	}
	return nil
}

// The app containers of a local host run on slirp4netns, which lets them
// reach this machine's loopback (the local PostgreSQL and moto) at
// machineFromContainer, and nothing listens beyond loopback. On EC2 they
// run on docker's bridge (rollout.HostDefaults), where RDS and the AWS
// endpoints are addresses in the VPC.
const (
	containerNetwork     = "slirp4netns:allow_host_loopback=true"
	machineFromContainer = "10.0.2.2"
)

// hostEnv is the host's /etc/gangway/app.env as Terraform's user data writes
// it on EC2 (non-secret values only), with the local seams: the database is
// the local PostgreSQL and the AWS endpoint is moto's, both as the
// container reaches them. Credentials are not here: the app reads them from
// the file writeAppCredentials keeps, as on EC2.
func hostEnv(env string, o tf.Outputs, dbPort int, dbUser, motoEndpoint string) (map[string]string, error) {
	endpoint, err := url.Parse(motoEndpoint)
	if err != nil || endpoint.Port() == "" {
		return nil, fmt.Errorf("moto's endpoint %q is not http://HOST:PORT", motoEndpoint)
	}
	endpoint.Host = net.JoinHostPort(machineFromContainer, endpoint.Port())
	return map[string]string{
		"APP_ENV":          env,
		"AWS_REGION":       o.Region,
		"S3_BUCKET":        o.BucketName,
		"DB_HOST":          machineFromContainer,
		"DB_PORT":          fmt.Sprint(dbPort),
		"DB_NAME":          "gangway",
		"DB_USER":          dbUser,
		"DB_SSLMODE":       "disable",
		"DB_SECRET_ARN":    o.DBSecretARN,
		"AWS_ENDPOINT_URL": endpoint.String(),
	}, nil
}

// writeAppCredentials does what the host's gangway-app-credentials service
// does on EC2: write STS's Credentials JSON to dir/app-credentials.json by
// rename. On EC2 they are the host role's, assumed again with the app's
// session policy; here they are a session of the host role (moto evaluates
// no session policy), valid an hour: each rollout writes them again. The
// container's user reads it, so the file is world-readable; it holds
// nothing but those.
func writeAppCredentials(dir string, c aws.Credentials) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating the app's credentials directory: %w", err)
	}
	body, err := json.Marshal(map[string]string{
		"AccessKeyId":     c.AccessKeyID,
		"SecretAccessKey": c.SecretAccessKey,
		"SessionToken":    c.SessionToken,
		"Expiration":      c.Expires.UTC().Format(time.RFC3339),
	})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".app-credentials-")
	if err != nil {
		return fmt.Errorf("writing the app's credentials: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(body, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("writing the app's credentials: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("writing the app's credentials: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing the app's credentials: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, "app-credentials.json")); err != nil {
		return fmt.Errorf("writing the app's credentials: %w", err)
	}
	return nil
}

// writeEnvFile writes vars as KEY=VALUE lines, sorted, mode 0600.
func writeEnvFile(path string, vars map[string]string) error {
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, vars[k])
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("writing the host env file: %w", err)
	}
	return nil
}
