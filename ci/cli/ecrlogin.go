package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/gangway-dev/gangway/ci/envname"
	"github.com/gangway-dev/gangway/ci/gha"
	"github.com/gangway-dev/gangway/ci/registry"
)

func ecrLoginCommand() command {
	return command{
		name:    "ecr-login",
		summary: "ECR push credentials: the password goes only to --password-file (0600), masked in GitHub Actions",
		flags:   func() commandFlags { return &ecrLoginFlags{} },
	}
}

// ecrLoginFlags are ecr-login's flags.
type ecrLoginFlags struct {
	aws    awsFlags
	env    string
	pwFile string
}

func (f *ecrLoginFlags) register(fs *flag.FlagSet) {
	f.aws.register(fs)
	registerEnv(fs, &f.env, "environment whose repository is pushed to")
	fs.StringVar(&f.pwFile, "password-file", "", "file to write the registry password to (created 0600)")
}

func (f *ecrLoginFlags) run(ctx context.Context, sys IO) error {
	if err := envname.Validate(f.env); err != nil {
		return &UsageError{Err: err}
	}
	if f.pwFile == "" {
		return usagef("--password-file is required: the password is never printed")
	}
	sess, err := connectAWS(ctx, sys, f.aws)
	if err != nil {
		return err
	}
	auth, err := registry.ECRLogin(ctx, ecr.NewFromConfig(sess.cfg))
	if err != nil {
		return err
	}
	// Masked before it exists anywhere a step could print it.
	if err := gha.Publish(gha.Report{Masks: []string{auth.Password}}, sys.Getenv, sys.Stderr); err != nil && !errors.Is(err, gha.ErrNotInActions) {
		return err
	}
	if err := writeSecretFile(f.pwFile, auth.Password); err != nil {
		return err
	}
	sys.Log.Info("ECR login written", "registry", auth.Registry, "password_file", f.pwFile)
	return writeJSON(sys.Stdout, map[string]string{
		"registry":   auth.Registry,
		"username":   auth.Username,
		"repository": auth.Registry + "/" + registry.RepositoryName(f.env),
		"expires_at": auth.ExpiresAt.UTC().Format(time.RFC3339),
	})
}

// writeSecretFile writes secret to path readable by its owner only, even
// when the file existed with wider permissions.
func writeSecretFile(path, secret string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("creating the password file: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("restricting the password file: %w", err)
	}
	if _, err := f.WriteString(secret); err != nil {
		f.Close()
		return fmt.Errorf("writing the password file: %w", err)
	}
	return f.Close()
}
