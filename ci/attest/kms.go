package attest

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// DefaultKey is the attestation key's alias, as the bootstrap creates it in
// the account that hosts test.
const DefaultKey = "alias/gangway-test-attestation"

// KMSAPI is the part of the KMS client the signer uses.
type KMSAPI interface {
	Sign(ctx context.Context, in *kms.SignInput, opts ...func(*kms.Options)) (*kms.SignOutput, error)
	GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, opts ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error)
}

var _ KMSAPI = (*kms.Client)(nil)

// KMSSigner signs with an asymmetric KMS key (ECC_NIST_P256): the private
// key never leaves KMS, and its key policy says who may sign.
type KMSSigner struct {
	API KMSAPI
	// Key is a key id, ARN or alias.
	Key string
}

var _ Signer = KMSSigner{}

// SignMessage signs message (MessageType RAW: KMS hashes it with SHA-256,
// ECDSA_SHA_256; RAW rather than DIGEST because the emulator implements
// only RAW, and a record is well under RAW's 4 KiB).
func (s KMSSigner) SignMessage(ctx context.Context, message []byte) ([]byte, string, error) {
	out, err := s.API.Sign(ctx, &kms.SignInput{
		KeyId:            aws.String(s.Key),
		Message:          message,
		MessageType:      kmstypes.MessageTypeRaw,
		SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256,
	})
	if err != nil {
		return nil, "", fmt.Errorf("KMS Sign with %s: %w", s.Key, err)
	}
	return out.Signature, aws.ToString(out.KeyId), nil
}

// PublicKeyPEM returns the key's public half as PEM, what prod pins.
func (s KMSSigner) PublicKeyPEM(ctx context.Context) ([]byte, error) {
	out, err := s.API.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(s.Key)})
	if err != nil {
		return nil, fmt.Errorf("KMS GetPublicKey of %s: %w", s.Key, err)
	}
	if _, err := ParsePublicKey(out.PublicKey); err != nil {
		return nil, err
	}
	return pemPublicKey(out.PublicKey), nil
}
