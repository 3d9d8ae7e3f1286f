package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/gangway-dev/gangway/ci/imageref"
	"github.com/gangway-dev/gangway/ci/localworld"
	"github.com/gangway-dev/gangway/internal/components"
)

const hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func motoECR(t *testing.T) *ecr.Client {
	t.Helper()
	m := components.MotoT(t)
	cfg := m.AWSConfig()
	return ecr.NewFromConfig(cfg)
}

func TestECRLoginAgainstMoto(t *testing.T) {
	t.Parallel()
	a, err := ECRLogin(context.Background(), motoECR(t))
	if err != nil {
		t.Fatalf("ECRLogin: %v", err)
	}
	if a.Username != "AWS" || a.Password == "" || !IsECRHost(a.Registry) {
		t.Errorf("ECRLogin = %v (registry %q), want user AWS, a password and an ECR host", a, a.Registry)
	}
	if strings.Contains(fmt.Sprint(a), a.Password) || strings.Contains(fmt.Sprintf("%v %+v", a, a), a.Password) {
		t.Error("printing an Auth shows the password")
	}
}

func TestTarget(t *testing.T) {
	t.Parallel()
	d := "sha256:" + hex64
	cases := []struct {
		name, image, from, to, toRepo string
		want, wantErr                 string
	}{
		{"ecr", "123456789012.dkr.ecr.us-east-1.amazonaws.com/gangway-test@" + d, "test", "prod", "", "123456789012.dkr.ecr.us-east-1.amazonaws.com/gangway-prod@" + d, ""},
		{"nested", "127.0.0.1:5000/team/gangway-test@" + d, "test", "prod", "", "127.0.0.1:5000/team/gangway-prod@" + d, ""},
		{"another account's registry", "123456789012.dkr.ecr.us-east-1.amazonaws.com/gangway-test@" + d, "test", "prod",
			"210987654321.dkr.ecr.us-east-1.amazonaws.com/gangway-prod", "210987654321.dkr.ecr.us-east-1.amazonaws.com/gangway-prod@" + d, ""},
		{"target is not prod's", "127.0.0.1:5000/gangway-test@" + d, "test", "prod", "127.0.0.1:5000/gangway-other", "", "not the prod repository"},
		{"target is not a repository", "127.0.0.1:5000/gangway-test@" + d, "test", "prod", "http://x/gangway-prod", "", "target repository"},
		{"wrong source repo", "127.0.0.1:5000/gangway-prod@" + d, "test", "prod", "", "", "not in the test repository"},
		{"lookalike repo", "127.0.0.1:5000/gangway-test2@" + d, "test", "prod", "", "", "not in the test repository"},
		{"same env", "127.0.0.1:5000/gangway-test@" + d, "test", "test", "", "", "both"},
		{"bad env", "127.0.0.1:5000/gangway-test@" + d, "test", "prod;rm -rf /", "", "", "unknown environment"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src, err := imageref.Parse(tc.image)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Target(src, tc.from, tc.to, tc.toRepo)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Target error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tc.want {
				t.Errorf("Target = %s, want %s", got, tc.want)
			}
		})
	}
}

// pushRandom pushes a random two-layer image to host/repo and returns its reference.
func pushRandom(t *testing.T, host, repo string) (imageref.Ref, v1.Image) {
	t.Helper()
	img, err := random.Image(2048, 2)
	if err != nil {
		t.Fatal(err)
	}
	dg, _ := img.Digest()
	ref, err := name.NewDigest(host + "/" + repo + "@" + dg.String())
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatalf("pushing: %v", err)
	}
	r, err := imageref.Parse(ref.String())
	if err != nil {
		t.Fatal(err)
	}
	return r, img
}

func headStatus(t *testing.T, url string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodHead, url, nil)
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestPromoteOCI(t *testing.T) {
	t.Parallel()
	host := localworld.RegistryT(t).Host
	ctx := context.Background()
	src, _ := pushRandom(t, host, "gangway-test")
	dst, err := Target(src, "test", "prod", "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := PromoteOCI(ctx, src, dst, nil, nil)
	if err != nil {
		t.Fatalf("PromoteOCI: %v", err)
	}
	if res.AlreadyPresent || res.Blobs != 3 {
		t.Errorf("PromoteOCI = %+v, want 3 blobs copied", res)
	}
	desc, err := remote.Head(mustRef(t, dst.String()))
	if err != nil || desc.Digest.String() != src.Digest {
		t.Fatalf("target head = %v, %v; want digest %s", desc, err, src.Digest)
	}
	again, err := PromoteOCI(ctx, src, dst, nil, nil)
	if err != nil || !again.AlreadyPresent {
		t.Errorf("second PromoteOCI = %+v, %v; want already present", again, err)
	}

	// An index with its children.
	idx, err := random.Index(1024, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	idg, _ := idx.Digest()
	if err := remote.WriteIndex(mustRef(t, host+"/gangway-test@"+idg.String()), idx); err != nil {
		t.Fatal(err)
	}
	isrc, _ := imageref.Parse(host + "/gangway-test@" + idg.String())
	idst, _ := Target(isrc, "test", "prod", "")
	if _, err := PromoteOCI(ctx, isrc, idst, nil, nil); err != nil {
		t.Fatalf("PromoteOCI index: %v", err)
	}
	if _, err := remote.Index(mustRef(t, idst.String())); err != nil {
		t.Errorf("reading the promoted index: %v", err)
	}
}

func TestPromoteOCIMissingDigest(t *testing.T) {
	t.Parallel()
	host := localworld.RegistryT(t).Host
	pushRandom(t, host, "gangway-test") // the repository exists, the digest does not
	src, _ := imageref.Parse(host + "/gangway-test@sha256:" + hex64)
	dst, _ := Target(src, "test", "prod", "")
	_, err := PromoteOCI(context.Background(), src, dst, nil, nil)
	var nf *NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("PromoteOCI error = %v, want *NotFoundError", err)
	}
	if got := headStatus(t, "http://"+host+"/v2/gangway-prod/manifests/"+dst.Digest); got != http.StatusNotFound {
		t.Errorf("target manifest status = %d, want 404", got)
	}
}

// ECR's control plane is moto (no data plane); its data plane is a local
// docker-registry. A push to ECR registers the manifest in the repository
// and stores the blobs: the test does both.
func TestPromoteECR(t *testing.T) {
	t.Parallel()
	host := localworld.RegistryT(t).Host
	api := motoECR(t)
	ctx := context.Background()
	for _, r := range []string{"gangway-test", "gangway-prod"} {
		if _, err := api.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String(r)}); err != nil {
			t.Fatal(err)
		}
	}
	src, img := pushRandom(t, host, "gangway-test")
	manifest, _ := img.RawManifest()
	mt, _ := img.MediaType()
	if _, err := api.PutImage(ctx, &ecr.PutImageInput{
		RepositoryName: aws.String("gangway-test"), ImageManifest: aws.String(string(manifest)),
		ImageManifestMediaType: aws.String(string(mt)), ImageDigest: aws.String(src.Digest), ImageTag: aws.String("build-1"),
	}); err != nil {
		t.Fatalf("registering the pushed image in moto: %v", err)
	}
	dst, _ := Target(src, "test", "prod", "")

	missing := src
	missing.Digest = "sha256:" + hex64
	mdst, _ := Target(missing, "test", "prod", "")
	_, err := PromoteECR(ctx, api, missing, mdst, nil, nil)
	var nf *NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "ImageNotFound") {
		t.Fatalf("PromoteECR of a missing digest: %v, want *NotFoundError naming ImageNotFound", err)
	}
	if out, err := api.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String("gangway-prod")}); err != nil || len(out.ImageDetails) != 0 {
		t.Fatalf("prod repository after a refused promotion: %v, %v; want empty", out, err)
	}

	res, err := PromoteECR(ctx, api, src, dst, nil, nil)
	if err != nil {
		t.Fatalf("PromoteECR: %v", err)
	}
	if res.Blobs != 3 || res.AlreadyPresent {
		t.Errorf("PromoteECR = %+v, want 3 blobs", res)
	}
	got, err := api.BatchGetImage(ctx, &ecr.BatchGetImageInput{RepositoryName: aws.String("gangway-prod"),
		ImageIds: []ecrtypes.ImageIdentifier{{ImageDigest: aws.String(src.Digest)}}})
	if err != nil || len(got.Images) != 1 || aws.ToString(got.Images[0].ImageManifest) != string(manifest) {
		t.Fatalf("prod manifest = %v, %v; want the tested manifest byte for byte", got, err)
	}
	layers, _ := img.Layers()
	for _, l := range layers {
		d, _ := l.Digest()
		if s := headStatus(t, "http://"+host+"/v2/gangway-prod/blobs/"+d.String()); s != http.StatusOK {
			t.Errorf("layer %s in the prod repository: status %d, want 200", d, s)
		}
	}
	again, err := PromoteECR(ctx, api, src, dst, nil, nil)
	if err != nil || !again.AlreadyPresent {
		t.Errorf("second PromoteECR = %+v, %v; want already present", again, err)
	}
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
