package localworld_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/gangway-dev/gangway/ci/awsenv"
	"github.com/gangway-dev/gangway/internal/components"
)

// unchecked calls a query action of moto (EC2, Auto Scaling, IAM...) with
// a fake signature of the admin key (moto's default account), for setting
// a world up while IAM is not enforced, and returns the XML answer; a
// status other than 200 fails the test. moto routes by the credential
// scope's service and checks no signature then.
func unchecked(t *testing.T, m *components.Moto, service, version, action string, params map[string]string) string {
	t.Helper()
	form := url.Values{"Action": {action}, "Version": {version}}
	for k, v := range params {
		form.Set(k, v)
	}
	req, err := http.NewRequest(http.MethodPost, m.Endpoint+"/", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20261202/us-east-1/"+service+"/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d: %s", action, resp.StatusCode, body)
	}
	return string(body)
}

// signedQuery calls a query action without parameters, signed with cfg's
// credentials for service, and returns the status and body.
func signedQuery(t *testing.T, m *components.Moto, cfg aws.Config, service, version, action string) (int, string) {
	t.Helper()
	body := url.Values{"Action": {action}, "Version": {version}}.Encode()
	req, err := http.NewRequest(http.MethodPost, m.Endpoint+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

func policyJSON(t *testing.T, statements ...map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": statements})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// denied reports whether err is moto's refusal of an action.
func denied(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "AccessDenied"
}

// With IAM enforced, the local world's moto (moto_server.py, corrections 4
// to 7) assumes a role with an unsigned AssumeRoleWithWebIdentity, as the
// SDK sends it, and refuses only what AWS would certainly refuse given what
// moto knows of a request: a Deny of everything scoped by a tag condition
// (the deploy roles' isolation guard) does not deny the rest, an Allow
// scoped to EC2 ARNs allows, an Allow needing another region does not, nor
// one for another S3 prefix, nor an action no statement names. Plain moto_server 5.2.1 answers the web identity
// with a 500 and denies every call but GetCallerIdentity.
func TestMotoEnforcesIAMWithConditions(t *testing.T) {
	t.Parallel()
	m := components.MotoT(t)
	ctx := context.Background()
	const account, iamVersion = "123456789012", "2010-05-08" // the admin key's account
	unchecked(t, m, "iam", iamVersion, "CreateRole", map[string]string{
		"RoleName": "deployer",
		"AssumeRolePolicyDocument": policyJSON(t, map[string]any{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
			"Principal": map[string]any{"Federated": "arn:aws:iam::" + account + ":oidc-provider/token.actions.githubusercontent.com"}}),
	})
	unchecked(t, m, "iam", iamVersion, "PutRolePolicy", map[string]string{
		"RoleName": "deployer", "PolicyName": "deployer",
		"PolicyDocument": policyJSON(t,
			map[string]any{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::state/test/*"},
			map[string]any{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::state"},
			map[string]any{"Effect": "Allow", "Action": "cloudwatch:DescribeAlarms", "Resource": "*"},
			// Scoped to ARNs moto does not know for EC2: allowed.
			map[string]any{"Effect": "Allow", "Action": "ec2:DescribeImages", "Resource": "arn:aws:ec2:us-east-1::image/*"},
			map[string]any{"Effect": "Allow", "Action": "ec2:DescribeVpcs", "Resource": "*",
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:RequestedRegion": "us-east-1"}}},
			map[string]any{"Effect": "Allow", "Action": "ec2:DescribeSubnets", "Resource": "*",
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:RequestedRegion": "eu-west-1"}}},
			map[string]any{"Effect": "Deny", "Action": "*", "Resource": "*",
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/Environment": "prod"}}}),
	})
	admin := s3.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(m.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")},
		func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := admin.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("state")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}

	if err := m.EnforceIAM(ctx, true); err != nil {
		t.Fatal(err)
	}
	cfg, err := awsenv.AssumeWebIdentity(ctx, awsenv.Settings{Region: "us-east-1", Endpoint: m.Endpoint},
		"arn:aws:iam::"+account+":role/deployer", []byte("eyJhbGciOiJSUzI1NiJ9.e30.c2ln"))
	if err != nil {
		t.Fatalf("AssumeWebIdentity with IAM enforced: %v", err)
	}
	objects := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	put := func(key string) error {
		_, err := objects.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("state"), Key: aws.String(key), Body: bytes.NewReader([]byte("x"))})
		return err
	}
	if err := put("test/terraform.tfstate"); err != nil {
		t.Errorf("PutObject under the allowed prefix: %v", err)
	}
	if err := put("prod/terraform.tfstate"); !denied(err) {
		t.Errorf("PutObject under another prefix: error %v, want AccessDenied", err)
	}
	// What terraform's S3 backend lists first (a reserved character in the
	// query string).
	if _, err := objects.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("state"), Prefix: aws.String("env:/")}); err != nil {
		t.Errorf("ListObjectsV2 with prefix env:/: %v", err)
	}
	// HeadBucket is authorized as s3:ListBucket, CloudWatch's actions as
	// cloudwatch: (moto named them s3:HeadBucket and monitoring:).
	if _, err := objects.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("state")}); err != nil {
		t.Errorf("HeadBucket with s3:ListBucket: %v", err)
	}
	if status, body := signedQuery(t, m, cfg, "monitoring", "2010-08-01", "DescribeAlarms"); status != http.StatusOK {
		t.Errorf("DescribeAlarms with cloudwatch:DescribeAlarms: status %d: %s", status, body)
	}
	if status, _ := signedQuery(t, m, cfg, "monitoring", "2010-08-01", "ListMetrics"); status != http.StatusForbidden {
		t.Errorf("ListMetrics, never allowed: status %d, want 403", status)
	}
	machines := ec2.NewFromConfig(cfg)
	if _, err := machines.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err != nil {
		t.Errorf("DescribeVpcs, allowed in us-east-1: %v", err)
	}
	if _, err := machines.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{}); !denied(err) {
		t.Errorf("DescribeSubnets, allowed only in eu-west-1: error %v, want AccessDenied", err)
	}
	if _, err := machines.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"self"}}); err != nil {
		t.Errorf("DescribeImages, allowed on image ARNs: %v", err)
	}
	if _, err := machines.DescribeInstances(ctx, &ec2.DescribeInstancesInput{}); !denied(err) {
		t.Errorf("DescribeInstances, never allowed: error %v, want AccessDenied", err)
	}
	// The admin keys of the local world are no credentials moto issued.
	if _, err := admin.ListBuckets(ctx, &s3.ListBucketsInput{}); err == nil {
		t.Errorf("ListBuckets with the admin keys succeeded with IAM enforced")
	}
}

// forbidden reports whether err is an HTTP 403 (moto answers KMS's JSON
// protocol with an XML error body the SDK cannot decode, so the code is
// not AccessDenied but the status is).
func forbidden(err error) bool {
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusForbidden
}

// With IAM enforced, a KMS request is decided by the key's policy as AWS
// decides it (moto_server.py, correction 8): a role the key policy names
// may sign though no identity policy of its own allows it; a role whose
// identity policy allows kms:* may not sign, a Deny in the key policy
// refusing everyone else; what the key policy leaves to the account
// (root) is decided by the identity policies. Plain moto_server 5.2.1
// reads no key policy and refuses the first signature.
func TestMotoEnforcesKMSKeyPolicies(t *testing.T) {
	t.Parallel()
	m := components.MotoT(t)
	ctx := context.Background()
	const account, iamVersion = "123456789012", "2010-05-08"
	roleARN := func(name string) string { return "arn:aws:iam::" + account + ":role/" + name }
	for name, statement := range map[string]map[string]any{
		"signer": {"Effect": "Allow", "Action": "kms:DescribeKey", "Resource": "*"},
		"other":  {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
	} {
		unchecked(t, m, "iam", iamVersion, "CreateRole", map[string]string{
			"RoleName": name,
			"AssumeRolePolicyDocument": policyJSON(t, map[string]any{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
				"Principal": map[string]any{"Federated": "arn:aws:iam::" + account + ":oidc-provider/token.actions.githubusercontent.com"}}),
		})
		unchecked(t, m, "iam", iamVersion, "PutRolePolicy", map[string]string{"RoleName": name, "PolicyName": name, "PolicyDocument": policyJSON(t, statement)})
	}
	keyPolicy := policyJSON(t,
		map[string]any{"Effect": "Allow", "Action": []string{"kms:Describe*", "kms:Get*"}, "Resource": "*",
			"Principal": map[string]any{"AWS": "arn:aws:iam::" + account + ":root"}},
		map[string]any{"Effect": "Allow", "Action": "kms:Sign", "Resource": "*",
			"Principal": map[string]any{"AWS": roleARN("signer")},
			"Condition": map[string]any{"StringEquals": map[string]any{"kms:SigningAlgorithm": "ECDSA_SHA_256"}}},
		map[string]any{"Effect": "Deny", "Action": "kms:Sign", "Resource": "*",
			"Principal": map[string]any{"AWS": "*"},
			"Condition": map[string]any{"ArnNotEquals": map[string]any{"aws:PrincipalArn": roleARN("signer")}}})
	key, err := kms.NewFromConfig(m.AWSConfig()).CreateKey(ctx, &kms.CreateKeyInput{
		KeySpec: kmstypes.KeySpecEccNistP256, KeyUsage: kmstypes.KeyUsageTypeSignVerify, Policy: aws.String(keyPolicy),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.EnforceIAM(ctx, true); err != nil {
		t.Fatal(err)
	}
	as := func(name string) *kms.Client {
		cfg, err := awsenv.AssumeWebIdentity(ctx, awsenv.Settings{Region: "us-east-1", Endpoint: m.Endpoint}, roleARN(name), []byte("eyJhbGciOiJSUzI1NiJ9.e30.c2ln"))
		if err != nil {
			t.Fatalf("assuming %s: %v", name, err)
		}
		return kms.NewFromConfig(cfg)
	}
	sign := func(api *kms.Client) error {
		_, err := api.Sign(ctx, &kms.SignInput{KeyId: key.KeyMetadata.KeyId, Message: []byte("digest"),
			SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256})
		return err
	}
	publicKey := func(api *kms.Client) error {
		_, err := api.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: key.KeyMetadata.KeyId})
		return err
	}
	signer, other := as("signer"), as("other")
	if err := sign(signer); err != nil {
		t.Errorf("Sign by the role the key policy names: %v", err)
	}
	if err := sign(other); !forbidden(err) {
		t.Errorf("Sign by a role allowed kms:* but denied by the key policy: error %v, want 403", err)
	}
	if err := publicKey(other); err != nil {
		t.Errorf("GetPublicKey, left to the identity policy, which allows it: %v", err)
	}
	if err := publicKey(signer); !forbidden(err) {
		t.Errorf("GetPublicKey, left to the identity policy, which does not allow it: error %v, want 403", err)
	}
}
