package cli

import (
	"context"
	"flag"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/gangway-dev/gangway/ci/envname"
	"github.com/gangway-dev/gangway/ci/imageref"
	"github.com/gangway-dev/gangway/ci/registry"
)

func promoteCommand() command {
	return command{
		name:    "promote",
		summary: "make the tested image digest available in the next environment's repository, without rebuilding",
		flags:   func() commandFlags { return &promoteFlags{} },
	}
}

// promoteFlags are promote's flags.
type promoteFlags struct {
	aws      awsFlags
	from, to string
	image    string
	toRepo   string
	api      string
}

func (f *promoteFlags) register(fs *flag.FlagSet) {
	f.aws.register(fs)
	fs.StringVar(&f.from, "from", "test", "environment the image was tested in")
	fs.StringVar(&f.to, "to", "prod", "environment to promote to")
	fs.StringVar(&f.image, "image", "", "tested image: REGISTRY/gangway-<from>@sha256:<64 hex>")
	fs.StringVar(&f.toRepo, "to-repository", "", "the target repository URL (the ecr_repository_url output of --to; it may be another account's registry); default gangway-<to> beside the source")
	fs.StringVar(&f.api, "api", "auto", "auto (ecr for an ECR registry host, else oci), ecr (ECR API + blob mounts) or oci (registry API only, anonymous)")
}

func (f *promoteFlags) run(ctx context.Context, sys IO) error {
	for _, e := range []string{f.from, f.to} {
		if err := envname.Validate(e); err != nil {
			return &UsageError{Err: err}
		}
	}
	src, err := imageref.Parse(f.image)
	if err != nil {
		return &UsageError{Err: err}
	}
	dst, err := registry.Target(src, f.from, f.to, f.toRepo)
	if err != nil {
		return &UsageError{Err: err}
	}
	mode := f.api
	if mode == "auto" {
		mode = "oci"
		if registry.IsECRHost(src.Registry) {
			mode = "ecr"
		}
	}
	var res *registry.Result
	switch mode {
	case "ecr":
		sess, err := connectAWS(ctx, sys, f.aws)
		if err != nil {
			return err
		}
		client := ecr.NewFromConfig(sess.cfg)
		login, err := registry.ECRLogin(ctx, client)
		if err != nil {
			return err
		}
		res, err = registry.PromoteECR(ctx, client, src, dst, registry.Basic(login), nil)
		if err != nil {
			return err
		}
	case "oci":
		res, err = registry.PromoteOCI(ctx, src, dst, authn.Anonymous, nil)
		if err != nil {
			return err
		}
	default:
		return usagef("--api %q: use auto, ecr or oci", f.api)
	}
	sys.Log.Info("promoted", "digest", src.Digest, "to", dst.Name(), "already_present", res.AlreadyPresent)
	return writeJSON(sys.Stdout, map[string]any{
		"from": f.from, "to": f.to, "api": mode,
		"source": src.String(), "target": dst.String(), "digest": src.Digest,
		"blobs": res.Blobs, "already_present": res.AlreadyPresent,
	})
}
