package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/gangway-dev/gangway/ci/imageref"
)

// TestPromoteOCIErrorsNameTheReference: go-containerregistry's errors come
// back saying what was being done to which reference, with the library's
// error still in the chain.
func TestPromoteOCIErrorsNameTheReference(t *testing.T) {
	t.Parallel()
	// A registry whose source manifest has the digest asked for but is not
	// JSON: reading the image's layers fails.
	const manifest = "not a manifest"
	sum := sha256.Sum256([]byte(manifest))
	digest := "sha256:" + hex.EncodeToString(sum[:])
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v2/":
			w.WriteHeader(http.StatusOK)
		case "/v2/gangway-test/manifests/" + digest:
			w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
			w.Header().Set("Docker-Content-Digest", digest)
			_, _ = w.Write([]byte(manifest))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	src, err := imageref.Parse(host + "/gangway-test@" + digest)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := Target(src, "test", "prod", "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = PromoteOCI(context.Background(), src, dst, nil, nil)
	var syntax *json.SyntaxError
	if err == nil || !strings.HasPrefix(err.Error(), "reading the layers of "+src.String()+": ") || !errors.As(err, &syntax) {
		t.Errorf("PromoteOCI of a manifest that is not JSON = %v, want it to name the layers of %s and keep the *json.SyntaxError", err, src)
	}

	// A reference that go-containerregistry refuses.
	bad := imageref.Ref{Registry: host, Repository: "Gangway-Test", Digest: digest}
	_, err = PromoteOCI(context.Background(), bad, dst, nil, nil)
	var badName *name.ErrBadName
	if err == nil || !strings.HasPrefix(err.Error(), "source reference "+bad.String()+": ") || !errors.As(err, &badName) {
		t.Errorf("PromoteOCI of %s = %v, want it to name the source reference and keep the *name.ErrBadName", bad, err)
	}
	_, err = PromoteOCI(context.Background(), src, bad, nil, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "target reference "+bad.String()+": ") || !errors.As(err, &badName) {
		t.Errorf("PromoteOCI to %s = %v, want it to name the target reference and keep the *name.ErrBadName", bad, err)
	}
}
