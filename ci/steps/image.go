package steps

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"strings"
)

// HostPlatform is the platform of the service image: the architecture of
// the EC2 instance types the Terraform configuration launches (t3, x86_64)
// and of its Amazon Linux AMI (al2023-ami-kernel-default-x86_64). A test
// holds the tfvars and the AMI parameter to it, so that a build on an arm64
// laptop still makes an image the hosts can run.
const HostPlatform = "linux/amd64"

// Containerfile is the one image recipe, relative to the repository root.
const Containerfile = "app/Containerfile"

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

// Nonce returns a random value for cache busting: a step whose effect on the
// outside world is the point (apply, push, rollout) sets it so the engine
// never answers from cache.
func Nonce() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// BuildArg is one --build-arg of the image recipe.
type BuildArg struct{ Name, Value string }

// ImageBuildArgs are the recipe's build arguments for a revision, the same
// on both paths (Dagger's DockerBuild and podman build): VERSION and
// REVISION (the APP_VERSION the service reports and the OCI labels), and
// SOURCE_URL when known. Empty values are left out, so that the
// Containerfile's defaults apply.
func ImageBuildArgs(revision, sourceURL string) []BuildArg {
	if revision == "" {
		revision = "dev"
	}
	args := []BuildArg{{"VERSION", revision}, {"REVISION", revision}}
	if sourceURL != "" {
		args = append(args, BuildArg{"SOURCE_URL", sourceURL})
	}
	return args
}
