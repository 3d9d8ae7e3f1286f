package attest

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gangway-dev/gangway/ci/imageref"
)

// payloadType names what the envelope holds; it is signed with it.
const payloadType = "application/vnd.gangway.integration-gate.v1+json"

// recordType is a Record's _type.
const recordType = "https://gangway.dev/integration-gate/v1"

// PublicKeyEnv holds the trusted public key (PEM) for `pipeline
// verify-tested` when no file is given: set from a GitHub environment
// variable of production, or by the Dagger module's constructor.
const PublicKeyEnv = "GANGWAY_ATTESTATION_PUBLIC_KEY"

// ResultPassed is the only result a record is ever made for.
const ResultPassed = "passed"

// Record says that an image passed the integration gate of an environment.
type Record struct {
	Type string `json:"_type"`
	// Image is REGISTRY/REPOSITORY@sha256:…: where the gate's image lives.
	Image       string    `json:"image"`
	Environment string    `json:"environment"`
	Result      string    `json:"result"`
	Checks      int       `json:"checks"`
	Revision    string    `json:"revision,omitempty"`
	Run         string    `json:"run,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// Envelope is a DSSE envelope around a Record.
type Envelope struct {
	PayloadType string      `json:"payloadType"`
	Payload     []byte      `json:"payload"` // base64 in JSON
	Signatures  []Signature `json:"signatures"`
}

// Signature is one signature of an Envelope.
type Signature struct {
	KeyID string `json:"keyid"`
	Sig   []byte `json:"sig"` // ASN.1 DER ECDSA signature, base64 in JSON
}

// pae is DSSE's pre-authentication encoding: what is actually signed.
func pae(payloadType string, payload []byte) []byte {
	return fmt.Appendf(nil, "DSSEv1 %d %s %d %s", len(payloadType), payloadType, len(payload), payload)
}

// Signer signs a message with ECDSA P-256 over its SHA-256; KMS is the
// real one.
type Signer interface {
	SignMessage(ctx context.Context, message []byte) (sig []byte, keyID string, err error)
}

// maxMessage is KMS's limit for a RAW message; a record is far smaller.
const maxMessage = 4096

// Sign makes the envelope of rec.
func Sign(ctx context.Context, s Signer, rec Record) (Envelope, error) {
	if rec.Type == "" {
		rec.Type = recordType
	}
	if _, err := imageref.Parse(rec.Image); err != nil {
		return Envelope{}, err
	}
	if rec.Result != ResultPassed {
		return Envelope{}, fmt.Errorf("a gate record is only made for a passed gate, not %q", rec.Result)
	}
	payload, err := json.Marshal(rec)
	if err != nil {
		return Envelope{}, err
	}
	msg := pae(payloadType, payload)
	if len(msg) > maxMessage {
		return Envelope{}, fmt.Errorf("the gate record of %s is %d bytes, over KMS's %d for a signed message", rec.Image, len(msg), maxMessage)
	}
	sig, keyID, err := s.SignMessage(ctx, msg)
	if err != nil {
		return Envelope{}, fmt.Errorf("signing the gate record of %s: %w", rec.Image, err)
	}
	return Envelope{PayloadType: payloadType, Payload: payload, Signatures: []Signature{{KeyID: keyID, Sig: sig}}}, nil
}

// ErrNotAttested is the kind of every refusal of Verify: the image carries
// no valid record that it passed the gate.
var ErrNotAttested = errors.New("not attested as tested")

// Verify checks that env is a record, signed with pub, that exactly image
// passed the gate of environment. It returns the record.
func Verify(env Envelope, pub *ecdsa.PublicKey, image imageref.Ref, environment string) (Record, error) {
	refuse := func(format string, args ...any) (Record, error) {
		return Record{}, fmt.Errorf("%w: %s: %s", ErrNotAttested, image, fmt.Sprintf(format, args...))
	}
	if env.PayloadType != payloadType {
		return refuse("the record's payload type is %q, not %q", env.PayloadType, payloadType)
	}
	digest := sha256.Sum256(pae(env.PayloadType, env.Payload))
	signed := false
	for _, s := range env.Signatures {
		if ecdsa.VerifyASN1(pub, digest[:], s.Sig) {
			signed = true
			break
		}
	}
	if !signed {
		return refuse("the record is not signed by the trusted key (the test environment's attestation key)")
	}
	var rec Record
	if err := json.Unmarshal(env.Payload, &rec); err != nil {
		return refuse("the signed payload is not a gate record: %v", err)
	}
	switch {
	case rec.Type != recordType:
		return refuse("the signed record is of type %q, not %q", rec.Type, recordType)
	case rec.Image != image.String():
		return refuse("the signed record is for %s, not this image", rec.Image)
	case rec.Environment != environment:
		return refuse("the record is for a gate in %q, not %q", rec.Environment, environment)
	case rec.Result != ResultPassed:
		return refuse("the recorded result is %q", rec.Result)
	}
	return rec, nil
}

// ParsePublicKey reads an ECDSA P-256 public key: PEM ("PUBLIC KEY", what
// the bootstrap outputs) or the DER bytes KMS GetPublicKey returns.
func ParsePublicKey(data []byte) (*ecdsa.PublicKey, error) {
	der := data
	if block, _ := pem.Decode(data); block != nil {
		der = block.Bytes
	}
	key, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("reading the attestation public key (want the PEM the bootstrap outputs as attestation_public_key_pem): %w", err)
	}
	pub, ok := key.(*ecdsa.PublicKey)
	if !ok || pub.Curve.Params().Name != "P-256" {
		return nil, errors.New("the attestation public key is not an ECDSA P-256 key (KMS key spec ECC_NIST_P256)")
	}
	return pub, nil
}

// Tag is where the record of image is stored in its repository, beside the
// image: sha256-<hex>.gate (the convention of cosign's .sig and .att tags).
func Tag(image imageref.Ref) string {
	return "sha256-" + image.Digest[len("sha256:"):] + ".gate"
}

// String is one line for a log.
func (r Record) String() string {
	return r.Image + " passed " + strconv.Itoa(r.Checks) + " checks on " + r.Environment + " at " + r.CreatedAt.UTC().Format(time.RFC3339)
}
