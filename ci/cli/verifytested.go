package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/gangway-dev/gangway/ci/attest"
	"github.com/gangway-dev/gangway/ci/imageref"
	"github.com/gangway-dev/gangway/ci/registry"
)

// registryOptions are the data-plane options for ref's registry: an ECR
// login with the caller's AWS identity for an ECR host (the token serves
// every registry the identity may read, another account's included),
// anonymous otherwise (the local registry).
func registryOptions(ctx context.Context, sys IO, a awsFlags, ref imageref.Ref) ([]remote.Option, error) {
	opts := []remote.Option{remote.WithContext(ctx)}
	if !registry.IsECRHost(ref.Registry) {
		return append(opts, remote.WithAuth(authn.Anonymous)), nil
	}
	sess, err := connectAWS(ctx, sys, a)
	if err != nil {
		return nil, err
	}
	login, err := registry.ECRLogin(ctx, ecr.NewFromConfig(sess.cfg))
	if err != nil {
		return nil, err
	}
	return append(opts, remote.WithAuth(registry.Basic(login))), nil
}

func attestCommand() command {
	return command{
		name:    "attest",
		summary: "sign the record that an image passed the integration gate on test (KMS) and store it beside the image",
		flags:   func() commandFlags { return &attestFlags{} },
	}
}

// attestFlags are attest's flags.
type attestFlags struct {
	aws      awsFlags
	image    string
	checks   int
	revision string
	runURL   string // --run
	key      string
}

func (f *attestFlags) register(fs *flag.FlagSet) {
	f.aws.register(fs)
	fs.StringVar(&f.image, "image", "", "the image that passed: REGISTRY/gangway-test@sha256:<64 hex>")
	fs.IntVar(&f.checks, "checks", 0, "how many checks of the suite passed")
	fs.StringVar(&f.revision, "revision", "", "the git revision the image was built from")
	fs.StringVar(&f.runURL, "run", "", "the CI run that ran the gate (default: the GitHub Actions run URL when there is one)")
	fs.StringVar(&f.key, "key", attest.DefaultKey, "the KMS signing key: id, ARN or alias")
}

func (f *attestFlags) run(ctx context.Context, sys IO) error {
	ref, err := imageref.Parse(f.image)
	if err != nil {
		return &UsageError{Err: fmt.Errorf("--image: %w", err)}
	}
	if f.checks < 1 {
		return usagef("--checks must be the number of checks that passed (at least 1): a gate that ran nothing is not attested")
	}
	if f.runURL == "" {
		f.runURL = githubRunURL(sys.Getenv)
	}
	sess, err := connectAWS(ctx, sys, f.aws)
	if err != nil {
		return err
	}
	signer := attest.KMSSigner{API: kms.NewFromConfig(sess.cfg), Key: f.key}
	env, err := attest.Sign(ctx, signer, attest.Record{
		Image: ref.String(), Environment: "test", Result: attest.ResultPassed,
		Checks: f.checks, Revision: f.revision, Run: f.runURL, CreatedAt: time.Now().UTC(),
	})
	if err != nil {
		return err
	}
	opts, err := registryOptions(ctx, sys, f.aws, ref)
	if err != nil {
		return err
	}
	existed, err := attest.Push(env, ref, opts...)
	if err != nil {
		return err
	}
	sys.Log.Info("gate record stored", "image", ref.String(), "tag", attest.Tag(ref), "already_there", existed)
	return writeJSON(sys.Stdout, map[string]any{
		"image": ref.String(), "tag": attest.Tag(ref), "already_present": existed, "key_id": env.Signatures[0].KeyID,
	})
}

// githubRunURL is the URL of the GitHub Actions run, or "".
func githubRunURL(getenv func(string) string) string {
	server, repo, id := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID")
	if server == "" || repo == "" || id == "" {
		return ""
	}
	return server + "/" + repo + "/actions/runs/" + id
}

func verifyTestedCommand() command {
	return command{
		name:    "verify-tested",
		summary: "refuse an image for prod unless a record signed by test's attestation key says it passed the integration gate",
		flags:   func() commandFlags { return &verifyTestedFlags{} },
	}
}

// verifyTestedFlags are verify-tested's flags.
type verifyTestedFlags struct {
	aws     awsFlags
	image   string
	keyFile string
}

func (f *verifyTestedFlags) register(fs *flag.FlagSet) {
	f.aws.register(fs)
	fs.StringVar(&f.image, "image", "", "the image to promote: REGISTRY/gangway-test@sha256:<64 hex>")
	fs.StringVar(&f.keyFile, "public-key", "", "the attestation public key, a PEM file (default $"+attest.PublicKeyEnv+", the PEM itself)")
}

func (f *verifyTestedFlags) run(ctx context.Context, sys IO) error {
	ref, err := imageref.Parse(f.image)
	if err != nil {
		return &UsageError{Err: fmt.Errorf("--image: %w", err)}
	}
	pemKey := []byte(sys.Getenv(attest.PublicKeyEnv))
	if f.keyFile != "" {
		if pemKey, err = os.ReadFile(f.keyFile); err != nil {
			return &UsageError{Err: fmt.Errorf("--public-key: %w", err)}
		}
	}
	if len(strings.TrimSpace(string(pemKey))) == 0 {
		return usagef("no attestation public key: pass --public-key FILE or set %s to the PEM that the test account's bootstrap outputs (attestation_public_key_pem)", attest.PublicKeyEnv)
	}
	pub, err := attest.ParsePublicKey(pemKey)
	if err != nil {
		return &UsageError{Err: err}
	}
	opts, err := registryOptions(ctx, sys, f.aws, ref)
	if err != nil {
		return err
	}
	env, err := attest.Fetch(ref, opts...)
	if err == nil {
		var rec attest.Record
		if rec, err = attest.Verify(env, pub, ref, "test"); err == nil {
			sys.Log.Info("tested image", "record", rec.String())
			return writeJSON(sys.Stdout, map[string]any{"image": ref.String(), "verified": true, "record": rec})
		}
	}
	if errors.Is(err, attest.ErrNotAttested) {
		_ = writeJSON(sys.Stdout, map[string]any{"image": ref.String(), "verified": false, "reason": err.Error()})
		return fmt.Errorf("%w; prod only deploys what test deployed and tested", err)
	}
	return err
}
