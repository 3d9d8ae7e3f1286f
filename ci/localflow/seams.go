package localflow

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

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

// hostEnv is the host's /etc/gangway/app.env as Terraform's user data writes
// it on EC2 (non-secret values only), with the local seams: the database
// host is the local PostgreSQL, and the AWS endpoint and credentials are
// moto's (on EC2 the instance role provides credentials).
func hostEnv(env string, o tf.Outputs, dbPort int, dbUser, motoEndpoint string) map[string]string {
	return map[string]string{
		"APP_ENV":               env,
		"AWS_REGION":            o.Region,
		"S3_BUCKET":             o.BucketName,
		"DB_HOST":               "127.0.0.1",
		"DB_PORT":               fmt.Sprint(dbPort),
		"DB_NAME":               "gangway",
		"DB_USER":               dbUser,
		"DB_SSLMODE":            "disable",
		"DB_SECRET_ARN":         o.DBSecretARN,
		"AWS_ENDPOINT_URL":      motoEndpoint,
		"AWS_ACCESS_KEY_ID":     "testing",
		"AWS_SECRET_ACCESS_KEY": "testing",
	}
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
