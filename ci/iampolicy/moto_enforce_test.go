package iampolicy_test

// The bootstrap's real deploy role, applied on moto_server with IAM
// enforced: assumed as GitHub's OIDC token would assume it, it may do what
// its policy allows and nothing else. What moto evaluates and what it does
// not: ci/README.md, "What the emulator enforces".

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/gangway-dev/gangway/ci/awsenv"
	"github.com/gangway-dev/gangway/ci/tf/tftest"
	"github.com/gangway-dev/gangway/internal/components"
)

// githubToken has the shape of the token GitHub's OIDC issues to test's
// deploy job; moto checks neither its signature nor its claims.
const githubToken = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL3Rva2VuLmFjdGlvbnMuZ2l0aHVidXNlcmNvbnRlbnQuY29tIiwic3ViIjoicmVwbzpleGFtcGxlLW9yZy9nYW5nd2F5OmVudmlyb25tZW50OnRlc3QiLCJhdWQiOiJzdHMuYW1hem9uYXdzLmNvbSJ9.c2lnbmF0dXJl"

// credentialsOf turns motoAccountCredentials' environment into credentials.
func credentialsOf(env []string) aws.Credentials {
	var c aws.Credentials
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "AWS_ACCESS_KEY_ID":
			c.AccessKeyID = v
		case "AWS_SECRET_ACCESS_KEY":
			c.SecretAccessKey = v
		case "AWS_SESSION_TOKEN":
			c.SessionToken = v
		}
	}
	return c
}

// iamQuery calls one IAM action on moto, signed with creds, and returns
// the HTTP status and body. (ci has no IAM client; this is IAM's whole
// query protocol.)
func iamQuery(ctx context.Context, endpoint string, creds aws.Credentials, action string, params map[string]string) (int, []byte, error) {
	form := url.Values{"Action": {action}, "Version": {"2010-05-08"}}
	for k, v := range params {
		form.Set(k, v)
	}
	body := form.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/", strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "iam", region, time.Now()); err != nil {
		return 0, nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("iam:%s: %w", action, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

// isDenied reports whether err is AWS's refusal of an action.
func isDenied(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "AccessDenied"
}

// TestDeployRoleEnforcedOnMoto applies terraform/bootstrap for the test
// account on moto_server, turns IAM enforcement on and assumes
// gangway-test-deploy with AssumeRoleWithWebIdentity, as the deploy job
// does with GitHub's token. The role writes its own state and describes
// the network (an Allow under a region condition); it may not write
// prod's state nor change its own trust policy. Then the seeded defect:
// its inline policy without the StateObjects statement, and the state
// write every deploy step starts with is denied.
func TestDeployRoleEnforcedOnMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("applies terraform/bootstrap on moto_server; skipped with -short")
	}
	t.Parallel()
	cliConfig := tftest.CLIConfig(t)
	moto := components.MotoT(t)
	spec := layoutSpecs[0] // test-account: gangway-test-deploy only
	const env = "test"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	dir := copyBootstrap(t)
	admin, err := motoAccountCredentials(ctx, moto.Endpoint, spec.account)
	if err != nil {
		t.Fatal(err)
	}
	environ := append(terraformEnviron(cliConfig, dir, moto), admin...)
	start := time.Now()
	if _, err := terraform(ctx, dir, environ, "init", "-no-color", "-input=false"); err != nil {
		t.Fatal(err)
	}
	apply := append([]string{"apply", "-no-color", "-input=false", "-auto-approve", "-lock=false"}, spec.vars()...)
	if _, err := terraform(ctx, dir, environ, apply...); err != nil {
		t.Fatal(err)
	}
	t.Logf("terraform init and apply of the bootstrap: %.1fs", time.Since(start).Seconds())

	if err := moto.EnforceIAM(ctx, true); err != nil {
		t.Fatal(err)
	}
	roleName := "gangway-" + env + "-deploy"
	roleARN := "arn:aws:iam::" + spec.account + ":role/" + roleName
	cfg, err := awsenv.AssumeWebIdentity(ctx, awsenv.Settings{Region: region, Endpoint: moto.Endpoint}, roleARN, []byte(githubToken))
	if err != nil {
		t.Fatalf("assuming the deploy role with IAM enforced: %v", err)
	}
	id, err := awsenv.CheckIdentity(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := id.ARN, "arn:aws:sts::"+spec.account+":assumed-role/"+roleName+"/"+awsenv.SessionName; got != want {
		t.Fatalf("identity = %q, want %q", got, want)
	}

	bucket := "gangway-tfstate-" + spec.account
	objects := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle, o.DisableLogOutputChecksumValidationSkipped = true, true })
	putState := func(key string) error {
		_, err := objects.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader([]byte("{}"))})
		return err
	}
	own, prods := "gangway/"+env+"/terraform.tfstate", "gangway/prod/terraform.tfstate"
	if err := putState(own); err != nil {
		t.Errorf("writing its own state %s: %v", own, err)
	}
	if _, err := objects.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(own)}); err != nil {
		t.Errorf("reading its own state %s: %v", own, err)
	}
	if err := putState(prods); !isDenied(err) {
		t.Errorf("writing prod's state %s: error %v, want AccessDenied", prods, err)
	}
	if _, err := ec2.NewFromConfig(cfg).DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err != nil {
		t.Errorf("DescribeVpcs (Describe, only in %s): %v", region, err)
	}
	status, body, err := iamQuery(ctx, moto.Endpoint, mustRetrieve(ctx, t, cfg), "UpdateAssumeRolePolicy",
		map[string]string{"RoleName": roleName, "PolicyDocument": `{"Version":"2012-10-17","Statement":[]}`})
	if err != nil || status != http.StatusForbidden || !bytes.Contains(body, []byte("AccessDenied")) {
		t.Errorf("iam:UpdateAssumeRolePolicy on its own role: status %d, %v: %s; want 403 AccessDenied", status, err, body)
	}

	// The seeded defect: StateObjects removed from the role's policy.
	if err := moto.EnforceIAM(ctx, false); err != nil {
		t.Fatal(err)
	}
	adminCreds := credentialsOf(admin)
	status, body, err = iamQuery(ctx, moto.Endpoint, adminCreds, "GetRolePolicy", map[string]string{"RoleName": roleName, "PolicyName": roleName})
	if err != nil || status != http.StatusOK {
		t.Fatalf("GetRolePolicy: status %d, %v: %s", status, err, body)
	}
	var got struct {
		Document string `xml:"GetRolePolicyResult>PolicyDocument"`
	}
	if err := xml.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	doc := got.Document
	if unescaped, err := url.QueryUnescape(doc); err == nil && !json.Valid([]byte(doc)) {
		doc = unescaped
	}
	var policy struct {
		Version   string
		Statement []map[string]any
	}
	if err := json.Unmarshal([]byte(doc), &policy); err != nil {
		t.Fatalf("the role's policy: %v\n%s", err, doc)
	}
	var kept []map[string]any
	for _, st := range policy.Statement {
		if st["Sid"] != "StateObjects" {
			kept = append(kept, st)
		}
	}
	if len(kept) != len(policy.Statement)-1 {
		t.Fatalf("no StateObjects statement in %s's policy", roleName)
	}
	policy.Statement = kept
	seeded, _ := json.Marshal(policy)
	status, body, err = iamQuery(ctx, moto.Endpoint, adminCreds, "PutRolePolicy",
		map[string]string{"RoleName": roleName, "PolicyName": roleName, "PolicyDocument": string(seeded)})
	if err != nil || status != http.StatusOK {
		t.Fatalf("PutRolePolicy: status %d, %v: %s", status, err, body)
	}
	if err := moto.EnforceIAM(ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := putState(own); !isDenied(err) {
		t.Errorf("writing its own state without StateObjects: error %v, want AccessDenied", err)
	}
}

func mustRetrieve(ctx context.Context, t *testing.T, cfg aws.Config) aws.Credentials {
	t.Helper()
	c, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDeployRoleAppliesTerraformOnMoto is Proof 1 for the deploy step's
// apply: terraform/ applied for test by gangway-test-deploy (assumed by web
// identity) on moto with IAM enforced. The seeded defect first: without
// logs:CreateLogGroup in the role's data policy the apply fails on the log
// group with a 403, as on AWS; with the policy restored the same apply
// completes.
func TestDeployRoleAppliesTerraformOnMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("applies terraform/bootstrap and terraform/ on moto_server; skipped with -short")
	}
	t.Parallel()
	cliConfig := tftest.CLIConfig(t)
	moto := components.MotoT(t)
	spec := layoutSpecs[0] // test-account
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	boot := copyBootstrap(t)
	admin, err := motoAccountCredentials(ctx, moto.Endpoint, spec.account)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := terraform(ctx, boot, append(terraformEnviron(cliConfig, boot, moto), admin...), "init", "-no-color", "-input=false"); err != nil {
		t.Fatal(err)
	}
	if _, err := terraform(ctx, boot, append(terraformEnviron(cliConfig, boot, moto), admin...),
		append([]string{"apply", "-no-color", "-input=false", "-auto-approve", "-lock=false"}, spec.vars()...)...); err != nil {
		t.Fatal(err)
	}

	// The seeded defect, in the managed policy as a new default version.
	adminCreds := credentialsOf(admin)
	policyARN := "arn:aws:iam::" + spec.account + ":policy/gangway-test-deploy-data"
	call := func(action string, params map[string]string) []byte {
		t.Helper()
		status, body, err := iamQuery(ctx, moto.Endpoint, adminCreds, action, params)
		if err != nil || status != http.StatusOK {
			t.Fatalf("iam:%s: status %d, %v: %s", action, status, err, body)
		}
		return body
	}
	var pol struct {
		Version string `xml:"GetPolicyResult>Policy>DefaultVersionId"`
	}
	if err := xml.Unmarshal(call("GetPolicy", map[string]string{"PolicyArn": policyARN}), &pol); err != nil {
		t.Fatal(err)
	}
	var ver struct {
		Document string `xml:"GetPolicyVersionResult>PolicyVersion>Document"`
	}
	if err := xml.Unmarshal(call("GetPolicyVersion", map[string]string{"PolicyArn": policyARN, "VersionId": pol.Version}), &ver); err != nil {
		t.Fatal(err)
	}
	doc := ver.Document
	if unescaped, err := url.QueryUnescape(doc); err == nil && !json.Valid([]byte(doc)) {
		doc = unescaped
	}
	const seeded = "logs:CreateLogGroup"
	if !strings.Contains(doc, `"`+seeded+`"`) {
		t.Fatalf("%s does not name %s:\n%s", policyARN, seeded, doc)
	}
	defective := strings.Replace(strings.Replace(doc, `"`+seeded+`",`, "", 1), `,"`+seeded+`"`, "", 1)
	if strings.Contains(defective, seeded) || !json.Valid([]byte(defective)) {
		t.Fatalf("could not remove %s from %s", seeded, doc)
	}
	call("CreatePolicyVersion", map[string]string{"PolicyArn": policyARN, "PolicyDocument": defective, "SetAsDefault": "true"})

	if err := moto.EnforceIAM(ctx, true); err != nil {
		t.Fatal(err)
	}
	roleARN := "arn:aws:iam::" + spec.account + ":role/gangway-test-deploy"
	cfg, err := awsenv.AssumeWebIdentity(ctx, awsenv.Settings{Region: region, Endpoint: moto.Endpoint}, roleARN, []byte(githubToken))
	if err != nil {
		t.Fatal(err)
	}
	c := mustRetrieve(ctx, t, cfg)
	main := copyTerraform(t)
	environ := append(terraformEnviron(cliConfig, main, moto),
		"AWS_ACCESS_KEY_ID="+c.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+c.SecretAccessKey, "AWS_SESSION_TOKEN="+c.SessionToken)
	if _, err := terraform(ctx, main, environ, "init", "-no-color", "-input=false", "-reconfigure",
		"-backend-config=bucket=gangway-tfstate-"+spec.account, "-backend-config=key=gangway/test/terraform.tfstate",
		"-backend-config=region="+region, "-backend-config=encrypt=true", "-backend-config=use_lockfile=true",
		"-backend-config=use_path_style=true"); err != nil {
		t.Fatalf("terraform init as the deploy role: %v", err)
	}
	apply := []string{"apply", "-no-color", "-input=false", "-auto-approve", "-var", "environment=test", "-var-file=env/test.tfvars"}
	start := time.Now()
	_, err = terraform(ctx, main, environ, apply...)
	t.Logf("apply without %s: %.1fs", seeded, time.Since(start).Seconds())
	if err == nil {
		t.Fatalf("the apply succeeded without %s", seeded)
	}
	if msg := err.Error(); !strings.Contains(msg, "creating CloudWatch Logs Log Group (/gangway/test/app)") || !strings.Contains(msg, "StatusCode: 403") {
		t.Fatalf("the apply without %s failed otherwise than with a 403 on the log group: %v", seeded, err)
	}

	// Restored (enforcement off for the admin, on again for the role).
	if err := moto.EnforceIAM(ctx, false); err != nil {
		t.Fatal(err)
	}
	call("SetDefaultPolicyVersion", map[string]string{"PolicyArn": policyARN, "VersionId": pol.Version})
	if err := moto.EnforceIAM(ctx, true); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if _, err := terraform(ctx, main, environ, apply...); err != nil {
		t.Fatalf("the apply as the deploy role with its policy whole: %v", err)
	}
	t.Logf("apply with the policy restored: %.1fs", time.Since(start).Seconds())
}

// copyTerraform copies terraform/ (configuration, lock file, environment
// variables, templates and local modules; not its tests or state) into a
// temporary directory.
func copyTerraform(t *testing.T) string {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	src := filepath.Join(filepath.Dir(self), "..", "..", "terraform")
	dst := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(src, "*.tf"))
	more, _ := filepath.Glob(filepath.Join(src, "env", "*.tfvars"))
	tmpl, _ := filepath.Glob(filepath.Join(src, "templates", "*"))
	modules, _ := filepath.Glob(filepath.Join(src, "modules", "*", "*.tf"))
	files = append(append(append(append(files, filepath.Join(src, ".terraform.lock.hcl")), more...), tmpl...), modules...)
	copyFiles(t, src, dst, files)
	return dst
}
