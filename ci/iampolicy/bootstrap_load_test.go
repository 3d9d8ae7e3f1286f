package iampolicy_test

// Loading the real policy documents of terraform/bootstrap: one
// `terraform plan` per layout against one moto_server, read back with
// `terraform show -json`. The bootstrap builds every ARN from names, so
// every trust, identity, boundary and key policy is known at plan time.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gangway-dev/gangway/ci/awsenv"
	"github.com/gangway-dev/gangway/ci/iampolicy"
	"github.com/gangway-dev/gangway/ci/tf/tftest"
	"github.com/gangway-dev/gangway/internal/components"
)

const (
	region = "us-east-1"
	repo   = "example-org/gangway"
)

// layoutSpec is one way of bootstrapping: which account, which variables.
type layoutSpec struct {
	name    string
	account string
	envs    map[string]string // pipeline environment → GitHub environment
	domains map[string]domain // service_domains: environments with a domain
	extra   []string          // more -var arguments
}

// domain is one entry of the bootstrap's service_domains.
type domain struct{ name, zone string }

// The test account serves plain HTTP (no domain); prod has its own zone;
// in the shared account both names live in one zone, test's under prod's.
var layoutSpecs = []layoutSpec{
	{name: "test-account", account: "111111111111", envs: map[string]string{"test": "test"}},
	{name: "prod-account", account: "222222222222", envs: map[string]string{"prod": "production"},
		domains: map[string]domain{"prod": {"app.example.com", "Z0PRODZONE00000000000"}},
		extra:   []string{"-var", "promotion_source_repository_arn=arn:aws:ecr:" + region + ":111111111111:repository/gangway-test"}},
	{name: "single", account: "333333333333", envs: map[string]string{"test": "test", "prod": "production"},
		domains: map[string]domain{"test": {"test.app.example.com", "Z0SHAREDZONE000000000"}, "prod": {"app.example.com", "Z0SHAREDZONE000000000"}}},
}

// serviceDomainsVar is the -var value of service_domains for the layout.
func (s layoutSpec) serviceDomainsVar() string {
	var entries []string
	for env, d := range s.domains {
		entries = append(entries, fmt.Sprintf("%s={domain_name=%q,route53_zone_id=%q}", env, d.name, d.zone))
	}
	sort.Strings(entries)
	return "service_domains={" + strings.Join(entries, ",") + "}"
}

// vars are the -var arguments of the bootstrap in the layout.
func (s layoutSpec) vars() []string {
	envs, _ := json.Marshal(s.envs)
	return append([]string{
		"-var", "state_bucket_name=gangway-tfstate-" + s.account,
		"-var", "github_repository=" + repo,
		"-var", "environments=" + string(envs),
		"-var", s.serviceDomainsVar()}, s.extra...)
}

// rawLayout holds one layout's policy documents as JSON, by key:
//
//	trust:ROLE  inline:ROLE  managed:POLICY  key:attestation  key:plans-ENV  bucket:state
//
// and which managed policies each role has attached.
type rawLayout struct {
	spec     layoutSpec
	docs     map[string]string
	attached map[string][]string // role → managed policy names
}

func (r *rawLayout) clone() *rawLayout {
	c := &rawLayout{spec: r.spec, docs: map[string]string{}, attached: map[string][]string{}}
	for k, v := range r.docs {
		c.docs[k] = v
	}
	for k, v := range r.attached {
		c.attached[k] = append([]string(nil), v...)
	}
	return c
}

// loadBootstrap plans terraform/bootstrap in every layout. It needs
// terraform with the mirrored provider and moto_server: missing, the test
// fails under CI=true and is skipped otherwise.
func loadBootstrap(t *testing.T) map[string]*rawLayout {
	t.Helper()
	if testing.Short() {
		t.Skip("plans terraform/bootstrap against moto_server; skipped with -short")
	}
	cliConfig := tftest.CLIConfig(t)
	moto := components.MotoT(t)

	dir := copyBootstrap(t)
	environ := terraformEnviron(cliConfig, dir, moto)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	if _, err := terraform(ctx, dir, environ, "init", "-no-color", "-input=false"); err != nil {
		t.Fatalf("terraform init: %v", err)
	}
	t.Logf("terraform init: %.1fs", time.Since(start).Seconds())

	out := map[string]*rawLayout{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, len(layoutSpecs))
	for i, spec := range layoutSpecs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			began := time.Now()
			raw, err := planLayout(ctx, dir, environ, moto.Endpoint, spec)
			t.Logf("plan and show of layout %s: %.1fs", spec.name, time.Since(began).Seconds())
			if err != nil {
				errs[i] = fmt.Errorf("layout %s: %w", spec.name, err)
				return
			}
			mu.Lock()
			out[spec.name] = raw
			mu.Unlock()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// terraformEnviron is the environment of terraform run in dir against
// moto: the caller's AWS and Terraform settings stay out, only moto's.
func terraformEnviron(cliConfig, dir string, moto *components.Moto) []string {
	var environ []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "TF_") {
			environ = append(environ, kv)
		}
	}
	environ = append(environ, "TF_CLI_CONFIG_FILE="+cliConfig, "TF_IN_AUTOMATION=1", "TF_INPUT=0",
		"CHECKPOINT_DISABLE=1", "TF_DATA_DIR="+filepath.Join(dir, ".terraform"), "AWS_EC2_METADATA_DISABLED=true")
	return append(environ, moto.Env()...)
}

// copyBootstrap copies the configuration (not its tests or state) into a
// temporary directory, so that nothing is written into the worktree, and
// returns it. The local modules it calls (../modules) are copied beside it.
func copyBootstrap(t *testing.T) string {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	src := filepath.Join(filepath.Dir(self), "..", "..", "terraform")
	dst := t.TempDir()
	files, err := filepath.Glob(filepath.Join(src, "bootstrap", "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no terraform files in %s (%v)", filepath.Join(src, "bootstrap"), err)
	}
	modules, _ := filepath.Glob(filepath.Join(src, "modules", "*", "*.tf"))
	copyFiles(t, src, dst, append(append(files, filepath.Join(src, "bootstrap", ".terraform.lock.hcl")), modules...))
	return filepath.Join(dst, "bootstrap")
}

// copyFiles copies files, each under src, to the same place under dst.
func copyFiles(t *testing.T, src, dst string, files []string) {
	t.Helper()
	for _, f := range files {
		rel, err := filepath.Rel(src, f)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, rel), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func terraform(ctx context.Context, dir string, environ []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "terraform", append([]string{"-chdir=" + dir}, args...)...)
	cmd.Env = environ
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("terraform %s: %w\n%s%s", args[0], err, stdout.String(), stderr.String())
	}
	return stdout.Bytes(), nil
}

// planLayout plans the bootstrap as the given account: moto answers
// AssumeRoleWithWebIdentity for a role in any account with credentials of
// that account, which is how one moto_server plays several accounts.
func planLayout(ctx context.Context, dir string, environ []string, endpoint string, spec layoutSpec) (*rawLayout, error) {
	creds, err := motoAccountCredentials(ctx, endpoint, spec.account)
	if err != nil {
		return nil, err
	}
	env := append(append([]string(nil), environ...), creds...)
	plan := filepath.Join(dir, spec.name+".tfplan")
	args := []string{"plan", "-no-color", "-input=false", "-lock=false", "-out=" + plan}
	if _, err := terraform(ctx, dir, env, append(args, spec.vars()...)...); err != nil {
		return nil, err
	}
	js, err := terraform(ctx, dir, env, "show", "-json", plan)
	if err != nil {
		return nil, err
	}
	return rawFromPlan(js, spec)
}

// motoAccountCredentials assumes a role in account on moto, as the
// pipeline's own code does (awsenv.AssumeWebIdentity), and returns the
// session as terraform's environment. Enforcement is off, so the role
// need not exist.
func motoAccountCredentials(ctx context.Context, endpoint, account string) ([]string, error) {
	s := awsenv.Settings{Region: "us-east-1", Endpoint: endpoint}
	cfg, err := awsenv.AssumeWebIdentity(ctx, s, "arn:aws:iam::"+account+":role/bootstrap-admin", []byte("unused"))
	if err != nil {
		return nil, fmt.Errorf("assuming a role in account %s on moto: %w", account, err)
	}
	c, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("assuming a role in account %s on moto: %w", account, err)
	}
	return []string{"AWS_ACCESS_KEY_ID=" + c.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + c.SecretAccessKey, "AWS_SESSION_TOKEN=" + c.SessionToken}, nil
}

// planModule is a module of `terraform show -json`'s planned_values: the
// root module, or a module call (address module.NAME) with its resources.
type planModule struct {
	Address   string `json:"address"`
	Resources []struct {
		Address string         `json:"address"`
		Type    string         `json:"type"`
		Name    string         `json:"name"`
		Index   any            `json:"index"`
		Values  map[string]any `json:"values"`
	} `json:"resources"`
	ChildModules []planModule `json:"child_modules"`
}

// modules returns m and every module below it.
func (m planModule) modules() []planModule {
	out := []planModule{m}
	for _, c := range m.ChildModules {
		out = append(out, c.modules()...)
	}
	return out
}

// rawFromPlan collects the policy documents from `terraform show -json`.
func rawFromPlan(js []byte, spec layoutSpec) (*rawLayout, error) {
	var plan struct {
		PlannedValues struct {
			RootModule planModule `json:"root_module"`
		} `json:"planned_values"`
	}
	if err := json.Unmarshal(js, &plan); err != nil {
		return nil, fmt.Errorf("reading the plan: %w", err)
	}
	raw := &rawLayout{spec: spec, docs: map[string]string{}, attached: map[string][]string{}}
	str := func(v map[string]any, k string) (string, error) {
		s, ok := v[k].(string)
		if !ok || s == "" {
			return "", fmt.Errorf("%s is not known at plan time", k)
		}
		return s, nil
	}
	for _, m := range plan.PlannedValues.RootModule.modules() {
		if err := raw.collect(m, str); err != nil {
			return nil, err
		}
	}
	for _, names := range raw.attached {
		sort.Strings(names)
	}
	return raw, nil
}

// collect adds the policy documents of m's own resources.
func (raw *rawLayout) collect(m planModule, str func(map[string]any, string) (string, error)) error {
	for _, r := range m.Resources {
		var key, attr, doc string
		var err error
		switch r.Type {
		case "aws_iam_role":
			var name string
			if name, err = str(r.Values, "name"); err == nil {
				key, attr = "trust:"+name, "assume_role_policy"
			}
		case "aws_iam_role_policy":
			var role string
			if role, err = str(r.Values, "role"); err == nil {
				key, attr = "inline:"+role, "policy"
			}
		case "aws_iam_policy":
			var name string
			if name, err = str(r.Values, "name"); err == nil {
				key, attr = "managed:"+name, "policy"
			}
		case "aws_kms_key":
			key, attr = "key:"+r.Name, "policy"
			if s, ok := r.Index.(string); ok {
				key += "-" + s
			}
		case "aws_s3_bucket_policy":
			// A bucket is terraform/modules/hardened-bucket, its policy
			// named for the module call: module.state_bucket is bucket:state.
			name := strings.TrimSuffix(strings.TrimPrefix(m.Address, "module."), "_bucket")
			if m.Address == "" {
				name = r.Name
			}
			key, attr = "bucket:"+name, "policy"
		case "aws_iam_role_policy_attachment":
			role, err1 := str(r.Values, "role")
			arn, err2 := str(r.Values, "policy_arn")
			if err1 != nil || err2 != nil {
				return fmt.Errorf("%s: role and policy ARN must be known at plan time", r.Address)
			}
			raw.attached[role] = append(raw.attached[role], arn[strings.LastIndex(arn, "/")+1:])
			continue
		default:
			continue
		}
		if err == nil {
			doc, err = str(r.Values, attr)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", r.Address, err)
		}
		if _, dup := raw.docs[key]; dup {
			return fmt.Errorf("two documents for %s", key)
		}
		raw.docs[key] = doc
	}
	return nil
}

// layout is a parsed rawLayout.
type layout struct {
	name     string
	account  string
	envs     map[string]string
	domains  map[string]domain
	roles    map[string]*role
	managed  map[string]*iampolicy.Policy
	keys     map[string]*iampolicy.Policy
	stateBkt *iampolicy.Policy
}

type role struct {
	name     string
	arn      string
	trust    *iampolicy.Policy
	identity []*iampolicy.Policy
}

func (r *rawLayout) parse() (*layout, error) {
	l := &layout{name: r.spec.name, account: r.spec.account, envs: r.spec.envs, domains: r.spec.domains,
		roles: map[string]*role{}, managed: map[string]*iampolicy.Policy{}, keys: map[string]*iampolicy.Policy{}}
	parsed := map[string]*iampolicy.Policy{}
	for key, doc := range r.docs {
		p, err := iampolicy.Parse([]byte(doc))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		p.Name = key
		parsed[key] = p
	}
	for key, p := range parsed {
		kind, name, _ := strings.Cut(key, ":")
		switch kind {
		case "trust":
			ro := &role{name: name, arn: "arn:aws:iam::" + r.spec.account + ":role/" + name, trust: p}
			if inline := parsed["inline:"+name]; inline != nil {
				ro.identity = append(ro.identity, inline)
			}
			for _, m := range r.attached[name] {
				mp := parsed["managed:"+m]
				if mp == nil {
					return nil, fmt.Errorf("role %s: attached policy %s is not in the plan", name, m)
				}
				ro.identity = append(ro.identity, mp)
			}
			l.roles[name] = ro
		case "managed":
			l.managed[name] = p
		case "key":
			l.keys[name] = p
		case "bucket":
			if name == "state" {
				l.stateBkt = p
			}
		}
	}
	// Every state check layers this policy: without it they would pass
	// on the identity policies alone.
	if l.stateBkt == nil {
		return nil, fmt.Errorf("no policy of the state bucket (module.state_bucket) in the plan")
	}
	return l, nil
}
