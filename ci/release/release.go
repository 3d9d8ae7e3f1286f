package release

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// API is the part of the SSM client Write uses.
type API interface {
	PutParameter(context.Context, *ssm.PutParameterInput, ...func(*ssm.Options)) (*ssm.PutParameterOutput, error)
}

var _ API = (*ssm.Client)(nil)

// Parameter value limits of SSM Parameter Store, in bytes.
const (
	standardLimit = 4096
	advancedLimit = 8192
)

// NothingReleased is the image parameter's value before the first
// release (Terraform's), which a booting host takes as nothing to serve.
const NothingReleased = "none"

// Parameters names the two SSM parameters of an environment's release.
type Parameters struct {
	// Image holds the digest a booting host serves (REPO@sha256:…), or
	// "none" before the first release.
	Image string
	// Script holds the rendered rollout script of that digest, base64 of
	// its gzip.
	Script string
}

// Check reports whether both names are given.
func (p Parameters) Check() error {
	if p.Image == "" || p.Script == "" {
		return fmt.Errorf("the release parameters need both names, got image %q and script %q (terraform outputs image_parameter and rollout_script_parameter)", p.Image, p.Script)
	}
	return nil
}

// encodeScript is the script as boot.sh expects it: the standard base64
// (one line, no wrapping) of its gzip; boot.sh undoes it with
// `base64 -d | gunzip`. It is pure.
func encodeScript(script string) (string, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return "", err
	}
	if _, err := io.WriteString(zw, script); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// DecodeScript undoes encodeScript, as boot.sh does.
func DecodeScript(value string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		return "", fmt.Errorf("the script parameter is not base64: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return "", fmt.Errorf("the script parameter is not the base64 of a gzip: %w", err)
	}
	script, err := io.ReadAll(zr)
	if err != nil {
		return "", fmt.Errorf("the script parameter is not the base64 of a gzip: %w", err)
	}
	return string(script), nil
}

// putInputs builds the two PutParameter requests that record image and
// its rendered script in p, in the order Write sends them: the script
// first, then the image, so that the image a booting host reads always
// has its script in place (before the first release the image is "none",
// which a booting host treats as nothing released yet). It is pure.
func putInputs(p Parameters, image, script string) ([]*ssm.PutParameterInput, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	if image == "" || script == "" {
		return nil, errors.New("a release needs an image and its rollout script")
	}
	encoded, err := encodeScript(script)
	if err != nil {
		return nil, fmt.Errorf("compressing the rollout script: %w", err)
	}
	if len(encoded) > advancedLimit {
		return nil, fmt.Errorf("the encoded rollout script is %d bytes, more than an SSM parameter holds (%d, advanced tier)", len(encoded), advancedLimit)
	}
	in := []*ssm.PutParameterInput{
		put(p.Script, encoded),
		put(p.Image, image),
	}
	return in, nil
}

// put is a PutParameter that overwrites name with value. A value over the
// standard tier's 4 KB needs the advanced tier (up to 8 KB), and AWS
// refuses it unless the request says so: the encoded script is about
// 6 KB. A smaller value names no tier, which keeps the parameter's own
// (terraform creates the script parameter in the advanced tier, and AWS
// never moves an advanced parameter back to standard: asking for Standard
// would fail).
func put(name, value string) *ssm.PutParameterInput {
	in := &ssm.PutParameterInput{
		Name:      aws.String(name),
		Value:     aws.String(value),
		Type:      types.ParameterTypeString,
		Overwrite: aws.Bool(true),
	}
	if len(value) > standardLimit {
		in.Tier = types.ParameterTierAdvanced
	}
	return in
}

// Write records image and its rendered script in p (putInputs' requests,
// in order). An error says which parameter was not written; the caller
// must not touch a host after one.
func Write(ctx context.Context, api API, p Parameters, image, script string) error {
	inputs, err := putInputs(p, image, script)
	if err != nil {
		return err
	}
	for _, in := range inputs {
		if _, err := api.PutParameter(ctx, in); err != nil {
			return fmt.Errorf("recording the release in SSM parameter %s: %w", aws.ToString(in.Name), err)
		}
	}
	return nil
}

// Getter is the part of the SSM client Current uses.
type Getter interface {
	GetParameter(context.Context, *ssm.GetParameterInput, ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// Recorded is what an environment's two parameters hold, as stored.
type Recorded struct {
	Image, Script string
}

// Current reads what p records now, so that a rollout that fails can put
// it back (Restore).
func Current(ctx context.Context, api Getter, p Parameters) (Recorded, error) {
	if err := p.Check(); err != nil {
		return Recorded{}, err
	}
	var r Recorded
	for name, dst := range map[string]*string{p.Image: &r.Image, p.Script: &r.Script} {
		out, err := api.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
		var missing *types.ParameterNotFound
		switch {
		case errors.As(err, &missing):
			// Nothing recorded yet (Terraform creates both; Write would
			// create a missing one): Restore puts "nothing" back.
		case err != nil:
			return Recorded{}, fmt.Errorf("reading the recorded release in SSM parameter %s: %w", name, err)
		default:
			*dst = aws.ToString(out.Parameter.Value)
		}
	}
	return r, nil
}

// Restore writes r back into p (the script, then the image, as Write
// does): after a rollout that failed, a host that boots serves the release
// the fleet kept, not the one that was refused.
func Restore(ctx context.Context, api API, p Parameters, r Recorded) error {
	var inputs []*ssm.PutParameterInput
	if r.Script != "" { // a missing script stays as written: no image names it
		inputs = append(inputs, put(p.Script, r.Script))
	}
	inputs = append(inputs, put(p.Image, cmp.Or(r.Image, NothingReleased)))
	for _, in := range inputs {
		if _, err := api.PutParameter(ctx, in); err != nil {
			return fmt.Errorf("restoring the recorded release in SSM parameter %s: %w", aws.ToString(in.Name), err)
		}
	}
	return nil
}
