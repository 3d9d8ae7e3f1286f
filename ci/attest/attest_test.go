package attest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/gangway-dev/gangway/ci/imageref"
	"github.com/gangway-dev/gangway/ci/localworld"
	"github.com/gangway-dev/gangway/internal/components"
)

const hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// keySigner signs with an in-memory key, standing in for KMS where the
// test is about the envelope, not the key's home.
type keySigner struct{ key *ecdsa.PrivateKey }

func (s keySigner) SignMessage(_ context.Context, message []byte) ([]byte, string, error) {
	digest := sha256.Sum256(message)
	sig, err := ecdsa.SignASN1(rand.Reader, s.key, digest[:])
	return sig, "test-key", err
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustRef(t *testing.T, s string) imageref.Ref {
	t.Helper()
	r, err := imageref.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func record(image string) Record {
	return Record{Image: image, Environment: "test", Result: ResultPassed, Checks: 17, Revision: "abc", CreatedAt: time.Now()}
}

func TestVerifyRefusesEverythingButTheSignedRecordOfTheImage(t *testing.T) {
	t.Parallel()
	key, other := newKey(t), newKey(t)
	image := mustRef(t, "127.0.0.1:5000/gangway-test@sha256:"+hex64)
	otherImage := mustRef(t, "127.0.0.1:5000/gangway-test@sha256:"+strings.Repeat("b", 64))
	good, err := Sign(context.Background(), keySigner{key}, record(image.String()))
	if err != nil {
		t.Fatal(err)
	}
	if rec, err := Verify(good, &key.PublicKey, image, "test"); err != nil || rec.Checks != 17 {
		t.Fatalf("Verify of a good record = %+v, %v", rec, err)
	}
	resign := func(mutate func(*Record)) Envelope {
		rec := record(image.String())
		mutate(&rec)
		rec.Type = recordType
		payload, _ := json.Marshal(rec)
		d := sha256.Sum256(pae(payloadType, payload))
		sig, _ := ecdsa.SignASN1(rand.Reader, key, d[:])
		return Envelope{PayloadType: payloadType, Payload: payload, Signatures: []Signature{{Sig: sig}}}
	}
	tampered := good
	tampered.Payload = []byte(strings.Replace(string(good.Payload), hex64, strings.Repeat("b", 64), 1))
	wrongType := good
	wrongType.PayloadType = "application/json"
	cases := []struct {
		name  string
		env   Envelope
		key   *ecdsa.PublicKey
		image imageref.Ref
		env2  string
		want  string
	}{
		{"another key", good, &other.PublicKey, image, "test", "not signed by the trusted key"},
		{"another image", good, &key.PublicKey, otherImage, "test", "is for " + image.String()},
		{"payload edited after signing", tampered, &key.PublicKey, otherImage, "test", "not signed by the trusted key"},
		{"payload type swapped", wrongType, &key.PublicKey, image, "test", "payload type"},
		{"another environment", good, &key.PublicKey, image, "prod", `gate in "test", not "prod"`},
		{"signed but failed", resign(func(r *Record) { r.Result = "failed" }), &key.PublicKey, image, "test", `result is "failed"`},
		{"no signature", Envelope{PayloadType: payloadType, Payload: good.Payload}, &key.PublicKey, image, "test", "not signed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := Verify(c.env, c.key, c.image, c.env2)
			if !errors.Is(err, ErrNotAttested) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Verify = %v, want ErrNotAttested with %q", err, c.want)
			}
		})
	}
	if _, err := Sign(context.Background(), keySigner{key}, Record{Image: image.String(), Result: "failed"}); err == nil {
		t.Error("Sign made a record for a failed gate")
	}
}

func TestParsePublicKey(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range [][]byte{der, pemPublicKey(der)} {
		pub, err := ParsePublicKey(in)
		if err != nil || !pub.Equal(&key.PublicKey) {
			t.Errorf("ParsePublicKey = %v, %v", pub, err)
		}
	}
	if _, err := ParsePublicKey([]byte("not a key")); err == nil || !strings.Contains(err.Error(), "attestation_public_key_pem") {
		t.Errorf("ParsePublicKey(garbage) = %v, want an error saying what to pass", err)
	}
}

// TestStoreBesideTheImage pushes a record to a real docker-registry next to
// a real image, fetches it back, and refuses an image that has none.
func TestStoreBesideTheImage(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("needs docker-registry")
	}
	reg := localworld.RegistryT(t)
	img, err := random.Image(1024, 1)
	if err != nil {
		t.Fatal(err)
	}
	dg, _ := img.Digest()
	ref, _ := name.NewDigest(reg.Host + "/gangway-test@" + dg.String())
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	image := mustRef(t, ref.String())
	key := newKey(t)
	env, err := Sign(context.Background(), keySigner{key}, record(image.String()))
	if err != nil {
		t.Fatal(err)
	}
	if existed, err := Push(env, image); err != nil || existed {
		t.Fatalf("Push = %v, %v", existed, err)
	}
	if existed, err := Push(env, image); err != nil || !existed {
		t.Errorf("second Push = %v, %v; want it to keep the record there", existed, err)
	}
	got, err := Fetch(image)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(got, &key.PublicKey, image, "test"); err != nil {
		t.Errorf("Verify of the fetched record: %v", err)
	}
	untested := mustRef(t, reg.Host+"/gangway-test@sha256:"+hex64)
	if _, err := Fetch(untested); !errors.Is(err, ErrNotAttested) || !strings.Contains(err.Error(), "never passed the integration gate") {
		t.Errorf("Fetch of an untested image = %v", err)
	}
}

// TestKMSSignerAgainstMoto signs with an ECC_NIST_P256 key in moto's KMS and
// verifies offline with the public key that GetPublicKey returns.
func TestKMSSignerAgainstMoto(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("needs moto_server")
	}
	m := components.MotoT(t)
	cfg := m.AWSConfig()
	api := kms.NewFromConfig(cfg)
	ctx := context.Background()
	k, err := api.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: kmstypes.KeySpecEccNistP256, KeyUsage: kmstypes.KeyUsageTypeSignVerify})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(DefaultKey), TargetKeyId: k.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	s := KMSSigner{API: api, Key: DefaultKey}
	pemKey, err := s.PublicKeyPEM(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublicKey(pemKey)
	if err != nil {
		t.Fatal(err)
	}
	image := mustRef(t, "127.0.0.1:5000/gangway-test@sha256:"+hex64)
	env, err := Sign(ctx, s, record(image.String()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(env, pub, image, "test"); err != nil {
		t.Errorf("a KMS-signed record does not verify with its public key: %v", err)
	}
}
