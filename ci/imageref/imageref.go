package imageref

import (
	"fmt"
	"regexp"
	"strings"
)

// Ref is a parsed REGISTRY/REPOSITORY@sha256:HEX reference.
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

// WithName returns the same digest in another repository (what a promotion
// makes: the manifest is copied byte for byte, so the digest stays).
func (r Ref) WithName(name string) (Ref, error) {
	return Parse(strings.TrimSuffix(name, "/") + "@" + r.Digest)
}

// The grammar, in pieces that are valid both as Go (RE2) and as POSIX
// extended regular expressions, so that a workflow's `grep -E` can use
// Pattern itself: no \d, no non-capturing groups, no lazy quantifiers.
const (
	label = `[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?`
	port  = `(:[0-9]{1,5})?`
	// A registry host must be recognisable as one (a dot, a port or
	// localhost): "library/alpine" would otherwise silently mean Docker Hub.
	host = `(localhost` + port + `|` + label + `(\.` + label + `)+` + port + `|` + label + `:[0-9]{1,5})`
	// One repository path component of the OCI distribution spec.
	component = `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
	digest    = `sha256:[0-9a-f]{64}`
)

// Pattern is the whole grammar of a deployable reference, anchored. It is the
// one definition: Parse enforces it, and the workflows' shell checks use it
// verbatim with grep -E (a test compares them).
const Pattern = `^` + host + `(/` + component + `)+@` + digest + `$`

var (
	patternRE   = regexp.MustCompile(Pattern)
	digestRE    = regexp.MustCompile(`^` + digest + `$`)
	hostRE      = regexp.MustCompile(`^` + host + `$`)
	componentRE = regexp.MustCompile(`^` + component + `$`)
)

// Parse checks that s is REGISTRY/REPOSITORY@sha256:<64 hex> and splits it.
// The checks before the final match only make the error say what is wrong;
// Pattern alone decides.
func Parse(s string) (Ref, error) {
	bad := func(why string) (Ref, error) {
		return Ref{}, fmt.Errorf("image reference %q: %s (want REGISTRY/REPOSITORY@sha256:<64 hex digits>)", s, why)
	}
	if s == "" {
		return bad("empty")
	}
	name, dgst, ok := strings.Cut(s, "@")
	if !ok {
		return bad("no @sha256 digest (tags are not accepted: deploy the digest that was tested)")
	}
	if !digestRE.MatchString(dgst) {
		return bad("the digest is not sha256: followed by 64 lower-case hex digits")
	}
	if strings.Contains(name, "://") {
		return bad("no URL scheme allowed")
	}
	registry, repo, ok := strings.Cut(name, "/")
	if !ok || registry == "" || repo == "" {
		return bad("no registry host before the repository")
	}
	if !hostRE.MatchString(registry) {
		return bad("the registry host is not a host name with a domain or port, an IP address or localhost")
	}
	if strings.Contains(repo, ":") {
		return bad("a tag together with a digest is ambiguous; give the digest only")
	}
	for _, c := range strings.Split(repo, "/") {
		if !componentRE.MatchString(c) {
			return bad(fmt.Sprintf("repository component %q is not lower-case letters, digits and separators", c))
		}
	}
	if !patternRE.MatchString(s) {
		return bad("it does not match the reference grammar")
	}
	return Ref{Registry: registry, Repository: repo, Digest: dgst}, nil
}

// ParseDigest checks that s is a bare digest, sha256:<64 lower-case hex>,
// as the reference grammar has it after the @.
func ParseDigest(s string) (string, error) {
	if !digestRE.MatchString(s) {
		if strings.Contains(s, "@") {
			return "", fmt.Errorf("digest %q: give the digest only, sha256:<64 lower-case hex digits>, without the repository", s)
		}
		return "", fmt.Errorf("digest %q is not sha256: followed by 64 lower-case hex digits", s)
	}
	return s, nil
}

// FromPushed turns what a registry push reports (REGISTRY/REPO:TAG@sha256:…,
// or without the tag) into the tag-free reference the pipeline passes on.
func FromPushed(pushed string) (Ref, error) {
	name, dgst, ok := strings.Cut(pushed, "@")
	if !ok {
		return Ref{}, fmt.Errorf("the push reported %q, which has no digest", pushed)
	}
	// A colon after the last slash starts a tag; one before it is a port.
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name = name[:i]
	}
	return Parse(name + "@" + dgst)
}

// RepositoryName is the last path component of the repository, e.g.
// gangway-test for 123….amazonaws.com/gangway-test.
func (r Ref) RepositoryName() string {
	return r.Repository[strings.LastIndex(r.Repository, "/")+1:]
}
