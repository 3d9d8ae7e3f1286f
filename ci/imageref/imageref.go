package imageref

import (
	"fmt"
	"regexp"
	"strings"
)

// Ref is a parsed REPOSITORY@sha256:HEX reference.
type Ref struct {
	// Registry is the host (and port) part, e.g.
	// 123456789012.dkr.ecr.us-east-1.amazonaws.com or 127.0.0.1:5000.
	Registry string
	// Repository is the path after the registry, e.g. gangway-test.
	Repository string
	// Digest is "sha256:" followed by 64 lower-case hex digits.
	Digest string
}

// String returns REGISTRY/REPOSITORY@DIGEST.
func (r Ref) String() string { return r.Registry + "/" + r.Repository + "@" + r.Digest }

// Name returns REGISTRY/REPOSITORY.
func (r Ref) Name() string { return r.Registry + "/" + r.Repository }

var (
	digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	// host[:port]: DNS labels or an IPv4 address; no scheme, no user info.
	registryRE = regexp.MustCompile(`^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?$`)
	// OCI distribution repository path components, lower case.
	componentRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
)

// Parse checks s is REGISTRY/REPOSITORY@sha256:<64 hex> and splits it. The
// registry part is required: an image without one would silently mean
// Docker Hub.
func Parse(s string) (Ref, error) {
	bad := func(why string) (Ref, error) {
		return Ref{}, fmt.Errorf("image reference %q: %s (want REGISTRY/REPOSITORY@sha256:<64 hex digits>)", s, why)
	}
	if s == "" {
		return bad("empty")
	}
	name, digest, ok := strings.Cut(s, "@")
	if !ok {
		return bad("no @sha256 digest (tags are not accepted: deploy the digest that was tested)")
	}
	if !digestRE.MatchString(digest) {
		return bad("the digest is not sha256: followed by 64 lower-case hex digits")
	}
	if strings.Contains(name, "://") {
		return bad("no URL scheme allowed")
	}
	registry, repo, ok := strings.Cut(name, "/")
	if !ok || registry == "" || repo == "" {
		return bad("no registry host before the repository")
	}
	if !registryRE.MatchString(registry) || !(strings.ContainsAny(registry, ".:") || registry == "localhost") {
		return bad("the registry host is not a host name with a domain, an IP address or localhost")
	}
	if strings.Contains(repo, ":") {
		return bad("a tag together with a digest is ambiguous; give the digest only")
	}
	for _, c := range strings.Split(repo, "/") {
		if !componentRE.MatchString(c) {
			return bad(fmt.Sprintf("repository component %q is not lower-case letters, digits and separators", c))
		}
	}
	return Ref{Registry: registry, Repository: repo, Digest: digest}, nil
}
