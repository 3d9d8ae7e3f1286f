package attest

import (
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/gangway-dev/gangway/ci/imageref"
)

// envelopeMediaType is the media type of the layer that holds the envelope.
const envelopeMediaType = types.MediaType("application/vnd.dsse.envelope.v1+json")

func pemPublicKey(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// tagRef is the record's place beside image.
func tagRef(image imageref.Ref) (name.Tag, error) {
	t, err := name.NewTag(image.Name() + ":" + Tag(image))
	if err != nil {
		return name.Tag{}, fmt.Errorf("the record's tag for %s: %w", image, err)
	}
	return t, nil
}

// Push stores env beside image, in image's repository, as a one-layer OCI
// artifact tagged Tag(image). A record already there is kept (tags are
// immutable in ECR): Push then reports existed.
func Push(env Envelope, image imageref.Ref, opts ...remote.Option) (existed bool, err error) {
	tag, err := tagRef(image)
	if err != nil {
		return false, err
	}
	if _, err := remote.Head(tag, opts...); err == nil {
		return true, nil
	} else if !isNotFound(err) {
		return false, fmt.Errorf("looking for an existing record at %s: %w", tag, err)
	}
	data, err := json.Marshal(env)
	if err != nil {
		return false, err
	}
	img, err := mutate.Append(empty.Image, mutate.Addendum{Layer: static.NewLayer(data, envelopeMediaType)})
	if err != nil {
		return false, err
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.MediaType("application/vnd.gangway.integration-gate.config.v1+json"))
	if err := remote.Write(tag, img, opts...); err != nil {
		return false, fmt.Errorf("storing the gate record at %s: %w", tag, err)
	}
	return false, nil
}

// ErrNoRecord means the repository holds no record for the image.
var ErrNoRecord = errors.New("no gate record")

// Fetch reads the envelope stored beside image.
func Fetch(image imageref.Ref, opts ...remote.Option) (Envelope, error) {
	tag, err := tagRef(image)
	if err != nil {
		return Envelope{}, err
	}
	img, err := remote.Image(tag, opts...)
	if isNotFound(err) {
		return Envelope{}, fmt.Errorf("%w: %s: there is no %s in %s: the image never passed the integration gate on test (a failed gate records nothing)", ErrNotAttested, image, Tag(image), image.Name())
	}
	if err != nil {
		return Envelope{}, fmt.Errorf("reading the gate record %s: %w", tag, err)
	}
	layers, err := img.Layers()
	if err != nil {
		return Envelope{}, err
	}
	if len(layers) != 1 {
		return Envelope{}, fmt.Errorf("%w: %s holds %d layers, not one envelope", ErrNotAttested, tag, len(layers))
	}
	mt, err := layers[0].MediaType()
	if err != nil {
		return Envelope{}, fmt.Errorf("%w: reading the media type of %s: %w", ErrNotAttested, tag, err)
	}
	if mt != envelopeMediaType {
		return Envelope{}, fmt.Errorf("%w: %s holds %s, not an envelope", ErrNotAttested, tag, mt)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		return Envelope{}, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, 1<<20))
	if err != nil {
		return Envelope{}, fmt.Errorf("reading the gate record %s: %w", tag, err)
	}
	var env Envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return Envelope{}, fmt.Errorf("%w: %s is not an envelope: %w", ErrNotAttested, tag, err)
	}
	return env, nil
}

func isNotFound(err error) bool {
	var te *transport.Error
	return errors.As(err, &te) && (te.StatusCode == http.StatusNotFound)
}
