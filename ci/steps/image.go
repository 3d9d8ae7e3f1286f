package steps

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// DigestRef is an image reference pinned by digest: Repository@Digest.
type DigestRef struct {
	Repository string // registry host and path, e.g. 123.dkr.ecr.eu-west-1.amazonaws.com/gangway-test
	Digest     string // sha256:<64 lower-case hex>
}

func (r DigestRef) String() string { return r.Repository + "@" + r.Digest }

var (
	digestRe = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	// A registry host (name or IP, optional port) and at least one path
	// component in the distribution spec's lower-case grammar.
	repoRe = regexp.MustCompile(`^[A-Za-z0-9.-]+(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+$`)
)

// ParseDigestRef parses REPO@sha256:<64hex>. A tag (REPO:TAG@sha256:…), a
// missing registry host or any other digest algorithm is refused: the
// pipeline deploys exactly one image, named by content.
func ParseDigestRef(ref string) (DigestRef, error) {
	repo, digest, ok := strings.Cut(ref, "@")
	if !ok {
		return DigestRef{}, fmt.Errorf("image %q is not pinned by digest: use REPOSITORY@sha256:<64 hex>", ref)
	}
	if !digestRe.MatchString(digest) {
		return DigestRef{}, fmt.Errorf("image %q: digest must be sha256: followed by 64 lower-case hex characters", ref)
	}
	if !repoRe.MatchString(repo) {
		return DigestRef{}, fmt.Errorf("image %q: repository %q must be REGISTRY/PATH with no tag", ref, repo)
	}
	return DigestRef{Repository: repo, Digest: digest}, nil
}

// TestRepository is the last path component of the test environment's ECR
// repository: only images from it may be promoted to prod.
const TestRepository = "gangway-test"

// ValidateTested checks that image is a digest reference in the test
// environment's repository. testRepoURL is that repository's URL (terraform
// output ecr_repository_url of test); when it is empty only the repository
// name is checked.
func ValidateTested(image, testRepoURL string) (DigestRef, error) {
	ref, err := ParseDigestRef(image)
	if err != nil {
		return DigestRef{}, err
	}
	if testRepoURL != "" {
		if ref.Repository != strings.TrimSuffix(testRepoURL, "/") {
			return DigestRef{}, fmt.Errorf("image %s is not from the test repository %s: prod only deploys what test deployed and tested", ref, testRepoURL)
		}
		return ref, nil
	}
	if i := strings.LastIndex(ref.Repository, "/"); ref.Repository[i+1:] != TestRepository {
		return DigestRef{}, fmt.Errorf("image %s is not from a %s repository: prod only deploys what test deployed and tested", ref, TestRepository)
	}
	return ref, nil
}

// CheckDeploy refuses a deploy that could put an untested image in prod:
// prod needs image (a digest from the test repository, checked again against
// test's outputs before anything runs); test builds when image is empty.
func CheckDeploy(env, image string) error {
	switch env {
	case "prod":
		if image == "" {
			return fmt.Errorf("deploy --env prod needs --image REPOSITORY@sha256:… : the digest that the test deploy published and the integration tests passed (prod never builds)")
		}
		_, err := ValidateTested(image, "")
		return err
	case "test":
		if image == "" {
			return nil
		}
		_, err := ParseDigestRef(image)
		return err
	default:
		return fmt.Errorf("unknown environment %q: use test or prod", env)
	}
}

// PublishedRef turns what a registry push returns (REPO:TAG@sha256:…) into
// the tag-free digest reference the pipeline passes on.
func PublishedRef(published string) (DigestRef, error) {
	repo, digest, ok := strings.Cut(published, "@")
	if !ok {
		return DigestRef{}, fmt.Errorf("push returned %q, which has no digest", published)
	}
	// Strip a tag: a colon after the last slash (a colon before it is a port).
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	return ParseDigestRef(repo + "@" + digest)
}

var tagUnsafe = regexp.MustCompile(`[^A-Za-z0-9_.-]`)

// ImageTag is the tag an image is pushed under: the revision (shortened to
// 12 characters) and a nonce, because ECR tags are immutable and a re-run for
// the same commit must not collide. Consumers use the digest, never the tag.
func ImageTag(revision, nonce string) string {
	rev := tagUnsafe.ReplaceAllString(revision, "-")
	rev = strings.Trim(rev, ".-")
	if rev == "" {
		rev = "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	return rev + "-" + tagUnsafe.ReplaceAllString(nonce, "-")
}

// Label keys of the OCI image spec that the build sets.
const (
	LabelRevision = "org.opencontainers.image.revision"
	LabelSource   = "org.opencontainers.image.source"
	LabelVersion  = "org.opencontainers.image.version"
	LabelTitle    = "org.opencontainers.image.title"
)

// ImageLabels returns the OCI labels for a build; empty values are left out
// rather than set to "" (an empty source label misleads scanners).
func ImageLabels(revision, source, version string) map[string]string {
	labels := map[string]string{LabelTitle: "gangway"}
	for k, v := range map[string]string{LabelRevision: revision, LabelSource: source, LabelVersion: version} {
		if v != "" {
			labels[k] = v
		}
	}
	return labels
}

// Nonce returns a random value for cache busting: a step whose effect on the
// outside world is the point (apply, push, rollout) sets it so the engine
// never answers from cache.
func Nonce() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}
