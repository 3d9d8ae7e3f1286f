package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/gangway-dev/gangway/ci/envname"
	"github.com/gangway-dev/gangway/ci/imageref"
)

// RepositoryName is the repository of an environment: gangway-<env>.
func RepositoryName(env string) string { return "gangway-" + env }

// Target returns where src goes when promoted from one environment to the
// next: the same digest in toRepository (the target environment's
// repository URL, from its Terraform outputs; it may be in another
// registry, e.g. another account's ECR), or, when toRepository is empty,
// in the repository gangway-<to> beside gangway-<from> in the same
// registry. It refuses an image that is not in from's repository and a
// target that is not to's.
func Target(src imageref.Ref, from, to, toRepository string) (imageref.Ref, error) {
	for _, e := range []string{from, to} {
		if err := envname.Validate(e); err != nil {
			return imageref.Ref{}, err
		}
	}
	if from == to {
		return imageref.Ref{}, fmt.Errorf("--from and --to are both %q", from)
	}
	dir, last := "", src.Repository
	if i := strings.LastIndex(src.Repository, "/"); i >= 0 {
		dir, last = src.Repository[:i+1], src.Repository[i+1:]
	}
	if last != RepositoryName(from) {
		return imageref.Ref{}, fmt.Errorf("image %s is not in the %s repository (%s): promote only what %s tested", src, from, RepositoryName(from), from)
	}
	if toRepository == "" {
		return imageref.Ref{Registry: src.Registry, Repository: dir + RepositoryName(to), Digest: src.Digest}, nil
	}
	dst, err := src.WithName(toRepository)
	if err != nil {
		return imageref.Ref{}, fmt.Errorf("target repository %q: %w", toRepository, err)
	}
	if dst.RepositoryName() != RepositoryName(to) {
		return imageref.Ref{}, fmt.Errorf("target repository %s is not the %s repository (%s)", toRepository, to, RepositoryName(to))
	}
	return dst, nil
}

// NotFoundError reports that the digest to promote does not exist in the
// source repository. Nothing was written.
type NotFoundError struct {
	Ref    imageref.Ref
	Detail string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("image %s does not exist (%s): push it and test it first; nothing was promoted", e.Ref, e.Detail)
}

// Result says what a promotion did.
type Result struct {
	Source imageref.Ref
	Target imageref.Ref
	// Blobs is the number of blobs (config and layers) made present in the target.
	Blobs int
	// AlreadyPresent is true when the target already held the manifest.
	AlreadyPresent bool
}

// remoteOptions are the options of every data-plane call.
func remoteOptions(ctx context.Context, auth authn.Authenticator, rt http.RoundTripper) []remote.Option {
	if auth == nil {
		auth = authn.Anonymous
	}
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuth(auth)}
	if rt != nil {
		opts = append(opts, remote.WithTransport(rt))
	}
	return opts
}

// Basic returns an authenticator for a registry login (anonymous when it
// has no user name).
func Basic(a Auth) authn.Authenticator {
	if a.Username == "" {
		return authn.Anonymous
	}
	return &authn.Basic{Username: a.Username, Password: a.Password}
}

func refs(src, dst imageref.Ref) (name.Digest, name.Digest, error) {
	s, err := name.NewDigest(src.String())
	if err != nil {
		return name.Digest{}, name.Digest{}, fmt.Errorf("source reference %s: %w", src, err)
	}
	d, err := name.NewDigest(dst.String())
	if err != nil {
		return name.Digest{}, name.Digest{}, fmt.Errorf("target reference %s: %w", dst, err)
	}
	return s, d, nil
}

func isNotFound(err error) bool {
	var te *transport.Error
	return errors.As(err, &te) && te.StatusCode == http.StatusNotFound
}

// PromoteOCI copies src to dst (same digest) over the OCI distribution API:
// blobs are mounted from the source repository where the registry allows it
// and uploaded otherwise, then the manifest (or index, with its children)
// is written by digest. A digest missing from the source is a *NotFoundError.
func PromoteOCI(ctx context.Context, src, dst imageref.Ref, auth authn.Authenticator, rt http.RoundTripper) (*Result, error) {
	s, d, err := refs(src, dst)
	if err != nil {
		return nil, err
	}
	opts := remoteOptions(ctx, auth, rt)
	res := &Result{Source: src, Target: dst}
	if desc, err := remote.Head(d, opts...); err == nil && desc.Digest.String() == dst.Digest {
		res.AlreadyPresent = true
		return res, nil
	}
	desc, err := remote.Get(s, opts...)
	if isNotFound(err) {
		return nil, &NotFoundError{Ref: src, Detail: "the registry answered 404 for the manifest"}
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", src, err)
	}
	if desc.Digest.String() != src.Digest {
		return nil, fmt.Errorf("registry returned manifest %s for %s", desc.Digest, src)
	}
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, fmt.Errorf("reading index %s: %w", src, err)
		}
		if err := remote.WriteIndex(d, idx, opts...); err != nil {
			return nil, fmt.Errorf("copying index %s to %s: %w", src, dst, err)
		}
	} else {
		img, err := desc.Image()
		if err != nil {
			return nil, fmt.Errorf("reading image %s: %w", src, err)
		}
		layers, err := img.Layers()
		if err != nil {
			return nil, fmt.Errorf("reading the layers of %s: %w", src, err)
		}
		res.Blobs = len(layers) + 1
		if err := remote.Write(d, img, opts...); err != nil {
			return nil, fmt.Errorf("copying %s to %s: %w", src, dst, err)
		}
	}
	got, err := remote.Head(d, opts...)
	if err != nil {
		return nil, fmt.Errorf("checking %s after the copy: %w", dst, err)
	}
	if got.Digest.String() != dst.Digest {
		return nil, fmt.Errorf("target %s holds %s after the copy, not %s", dst.Name(), got.Digest, dst.Digest)
	}
	return res, nil
}

// manifestMediaTypes are the manifest kinds BatchGetImage may return.
var manifestMediaTypes = []string{
	string(types.OCIManifestSchema1), string(types.DockerManifestSchema2),
	string(types.OCIImageIndex), string(types.DockerManifestList),
}

// getManifest reads one manifest by digest through the ECR API.
func getManifest(ctx context.Context, api ECRAPI, ref imageref.Ref) (string, string, error) {
	out, err := api.BatchGetImage(ctx, &ecr.BatchGetImageInput{
		RepositoryName:     aws.String(ref.Repository),
		RegistryId:         registryID(ref),
		ImageIds:           []ecrtypes.ImageIdentifier{{ImageDigest: aws.String(ref.Digest)}},
		AcceptedMediaTypes: manifestMediaTypes,
	})
	var rnf *ecrtypes.RepositoryNotFoundException
	if errors.As(err, &rnf) {
		return "", "", &NotFoundError{Ref: ref, Detail: "no repository " + ref.Repository}
	}
	if err != nil {
		return "", "", fmt.Errorf("ECR BatchGetImage %s: %w", ref, err)
	}
	if len(out.Images) == 0 {
		detail := "ECR has no such image"
		if len(out.Failures) > 0 {
			f := out.Failures[0]
			detail = fmt.Sprintf("ECR: %s: %s", f.FailureCode, aws.ToString(f.FailureReason))
		}
		return "", "", &NotFoundError{Ref: ref, Detail: detail}
	}
	img := out.Images[0]
	return aws.ToString(img.ImageManifest), aws.ToString(img.ImageManifestMediaType), nil
}

func registryID(ref imageref.Ref) *string {
	if id := ecrRegistryID(ref.Registry); id != "" {
		return aws.String(id)
	}
	return nil
}

// PromoteECR makes src available as dst (same digest) in an ECR registry:
// BatchGetImage reads the exact manifest (refusing a missing digest), its
// blobs are mounted into the target repository over the data plane at
// src.Registry with auth, and PutImage writes the manifest there. An index
// has its child manifests promoted first.
func PromoteECR(ctx context.Context, api ECRAPI, src, dst imageref.Ref, auth authn.Authenticator, rt http.RoundTripper) (*Result, error) {
	res := &Result{Source: src, Target: dst}
	// The source first: a missing digest is refused even when the target
	// has it.
	if _, _, err := getManifest(ctx, api, src); err != nil {
		return nil, err
	}
	present, err := HasImage(ctx, api, dst)
	if err != nil {
		return nil, err
	}
	if present {
		res.AlreadyPresent = true
		return res, nil
	}
	if err := promoteECR(ctx, api, src, dst, remoteOptions(ctx, auth, rt), res, 0); err != nil {
		return nil, err
	}
	if present, err = HasImage(ctx, api, dst); err != nil {
		return nil, fmt.Errorf("checking %s after the copy: %w", dst, err)
	}
	if !present {
		return nil, fmt.Errorf("ECR does not list %s in %s after PutImage", dst.Digest, dst.Repository)
	}
	return res, nil
}

// HasImage reports whether ECR lists ref's digest in ref's repository (a
// missing digest is false, not an error; a missing repository is an error).
func HasImage(ctx context.Context, api ECRAPI, ref imageref.Ref) (bool, error) {
	out, err := api.DescribeImages(ctx, &ecr.DescribeImagesInput{
		RepositoryName: aws.String(ref.Repository),
		RegistryId:     registryID(ref),
		ImageIds:       []ecrtypes.ImageIdentifier{{ImageDigest: aws.String(ref.Digest)}},
	})
	var inf *ecrtypes.ImageNotFoundException
	if errors.As(err, &inf) {
		return false, nil
	}
	var rnf *ecrtypes.RepositoryNotFoundException
	if errors.As(err, &rnf) {
		return false, fmt.Errorf("ECR repository %s does not exist: apply its environment's terraform first", ref.Repository)
	}
	if err != nil {
		return false, fmt.Errorf("ECR DescribeImages %s: %w", ref, err)
	}
	for _, d := range out.ImageDetails {
		if aws.ToString(d.ImageDigest) == ref.Digest {
			return true, nil
		}
	}
	return false, nil
}

func promoteECR(ctx context.Context, api ECRAPI, src, dst imageref.Ref, opts []remote.Option, res *Result, depth int) error {
	if depth > 1 {
		return fmt.Errorf("%s: nested indexes are not supported", src)
	}
	manifest, mediaType, err := getManifest(ctx, api, src)
	if err != nil {
		return err
	}
	blobs, children, err := references([]byte(manifest), mediaType)
	if err != nil {
		return fmt.Errorf("reading manifest %s: %w", src, err)
	}
	for _, c := range children {
		cs, cd := src, dst
		cs.Digest, cd.Digest = c, c
		if err := promoteECR(ctx, api, cs, cd, opts, res, depth+1); err != nil {
			return err
		}
	}
	if len(blobs) > 0 {
		srcRepo, err := name.NewRepository(src.Name())
		if err != nil {
			return fmt.Errorf("source repository %s: %w", src.Name(), err)
		}
		dstRepo, err := name.NewRepository(dst.Name())
		if err != nil {
			return fmt.Errorf("target repository %s: %w", dst.Name(), err)
		}
		for _, b := range blobs {
			layer, err := remote.Layer(srcRepo.Digest(b), opts...)
			if err != nil {
				return fmt.Errorf("blob %s of %s: %w", b, src, err)
			}
			if err := remote.WriteLayer(dstRepo, layer, opts...); err != nil {
				return fmt.Errorf("mounting blob %s into %s: %w", b, dst.Name(), err)
			}
			res.Blobs++
		}
	}
	_, err = api.PutImage(ctx, &ecr.PutImageInput{
		RepositoryName:         aws.String(dst.Repository),
		RegistryId:             registryID(dst),
		ImageManifest:          aws.String(manifest),
		ImageManifestMediaType: aws.String(mediaType),
		ImageDigest:            aws.String(dst.Digest),
	})
	var exists *ecrtypes.ImageAlreadyExistsException
	if errors.As(err, &exists) {
		if depth == 0 {
			res.AlreadyPresent = true
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("ECR PutImage %s: %w", dst, err)
	}
	return nil
}

// references lists the blobs (config, layers) of an image manifest, or the
// child manifests of an index.
func references(manifest []byte, mediaType string) (blobs, children []string, err error) {
	mt := types.MediaType(mediaType)
	if mt.IsIndex() {
		idx, err := v1.ParseIndexManifest(strings.NewReader(string(manifest)))
		if err != nil {
			return nil, nil, err
		}
		for _, m := range idx.Manifests {
			children = append(children, m.Digest.String())
		}
		return nil, children, nil
	}
	m, err := v1.ParseManifest(strings.NewReader(string(manifest)))
	if err != nil {
		return nil, nil, err
	}
	blobs = append(blobs, m.Config.Digest.String())
	for _, l := range m.Layers {
		blobs = append(blobs, l.Digest.String())
	}
	return blobs, nil, nil
}
