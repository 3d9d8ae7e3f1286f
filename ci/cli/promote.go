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
		setup: func(fs *flag.FlagSet) func(context.Context, IO) error {
			var a awsFlags
			a.register(fs)
			from := fs.String("from", "test", "environment the image was tested in")
			to := fs.String("to", "prod", "environment to promote to")
			image := fs.String("image", "", "tested image: REGISTRY/gangway-<from>@sha256:<64 hex>")
			toRepo := fs.String("to-repository", "", "the target repository URL (the ecr_repository_url output of --to; it may be another account's registry); default gangway-<to> beside the source")
			api := fs.String("api", "auto", "auto (ecr for an ECR registry host, else oci), ecr (ECR API + blob mounts) or oci (registry API only, anonymous)")
			return func(ctx context.Context, sys IO) error {
				for _, e := range []string{*from, *to} {
					if err := envname.Validate(e); err != nil {
						return &UsageError{Err: err}
					}
				}
				src, err := imageref.Parse(*image)
				if err != nil {
					return &UsageError{Err: err}
				}
				dst, err := registry.Target(src, *from, *to, *toRepo)
				if err != nil {
					return &UsageError{Err: err}
				}
				mode := *api
				if mode == "auto" {
					mode = "oci"
					if registry.IsECRHost(src.Registry) {
						mode = "ecr"
					}
				}
				var res *registry.Result
				switch mode {
				case "ecr":
					sess, err := connectAWS(ctx, sys, a)
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
					return usagef("--api %q: use auto, ecr or oci", *api)
				}
				sys.Log.Info("promoted", "digest", src.Digest, "to", dst.Name(), "already_present", res.AlreadyPresent)
				return writeJSON(sys.Stdout, map[string]any{
					"from": *from, "to": *to, "api": mode,
					"source": src.String(), "target": dst.String(), "digest": src.Digest,
					"blobs": res.Blobs, "already_present": res.AlreadyPresent,
				})
			}
		},
	}
}
