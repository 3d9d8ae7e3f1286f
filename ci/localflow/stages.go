package localflow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/gangway-dev/gangway/ci/attest"
	"github.com/gangway-dev/gangway/ci/deploy"
	"github.com/gangway-dev/gangway/ci/hostresult"
	"github.com/gangway-dev/gangway/ci/imageref"
	"github.com/gangway-dev/gangway/ci/localworld"
	"github.com/gangway-dev/gangway/ci/localworld/loadgen"
	"github.com/gangway-dev/gangway/ci/localworld/simhost"
	"github.com/gangway-dev/gangway/ci/testjson"
	"github.com/gangway-dev/gangway/ci/tfmirror"
	"github.com/gangway-dev/gangway/internal/components"
)

// stateBucket is the Terraform state bucket the bootstrap creates in each
// emulated account.
const stateBucket = "gangway-local-tfstate"

// logf writes to the running stage's log.
func (f *flow) logf(format string, args ...any) {
	fmt.Fprintf(f.log, format+"\n", args...)
}

// startWorld starts (or reuses) the local components; a new world's
// accounts are bootstrapped, as a newcomer does once per AWS account.
func (f *flow) startWorld(ctx context.Context) (string, error) {
	if err := f.openWorld(ctx); err != nil {
		return "", err
	}
	w := f.world
	w.state.Runs++
	if err := w.save(); err != nil {
		return "", err
	}
	f.report.Version = version(ctx, f.opts.Root, w.state.Runs)
	f.commit = commit(ctx, f.opts.Root)
	if f.opts.Break {
		f.report.Version += "-broken"
	}
	if f.opts.BreakLate {
		f.report.Version += "-broken-late"
	}
	if err := f.trustAttestationKey(ctx); err != nil {
		return "", err
	}
	prodBefore := f.servingImage("prod")
	f.report.ProdImageBefore, f.report.ProdImageAfter = prodBefore, prodBefore
	if f.opts.Redeploy {
		if err := f.prepareRedeploy(ctx); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("moto test %s and prod %s, registry %s, load balancers test %s and prod %s",
		w.state.Motos["test"].Endpoint, w.state.Motos["prod"].Endpoint, w.state.RegistryHost, f.appURL("test"), f.appURL("prod")), nil
}

// prepareRedeploy makes this run deploy again what test serves: that
// digest and the version it reports, with no build.
func (f *flow) prepareRedeploy(ctx context.Context) error {
	image := f.servingImage("test")
	if image == "" {
		return errors.New("--redeploy: test serves nothing in this world; run once with --keep first, then --redeploy")
	}
	version, err := loadgen.Health(ctx, f.client, f.appURL("test")+"/health")
	if err != nil {
		return fmt.Errorf("--redeploy: asking test which version it serves: %w", err)
	}
	f.redeployImage, f.report.Version, f.report.Redeploy = image, version, true
	f.logf("--redeploy: deploying %s (version %s) again, with no build", image, version)
	return nil
}

// openWorld opens the world (reused when kept), attaches its hosts and
// sets what every pipeline step sees.
func (f *flow) openWorld(ctx context.Context) error {
	cliConfig, err := terraformCLIConfig(f.opts.Dir)
	if err != nil {
		return err
	}
	w, err := openWorld(ctx, f.opts.Dir, f.logf)
	if err != nil {
		return err
	}
	f.world = w
	w.state.Kept = false // until this run ends normally with --keep
	if err := w.save(); err != nil {
		return err
	}
	bootstrapped, err := w.bootstrapAccounts(ctx, f.opts.Root, cliConfig, f.logf)
	for _, env := range bootstrapped { // as the administrator, even when it failed
		f.usedAsWorld(env)
	}
	if err != nil {
		return err
	}
	if err := f.writeTokens(); err != nil {
		return err
	}
	for env, states := range w.state.Hosts {
		for _, hs := range states {
			f.hosts[env] = append(f.hosts[env], simhost.Attach(hs))
		}
	}
	if f.client, err = w.state.CA.Client(10 * time.Second); err != nil {
		return err
	}
	f.report.CAFile = w.state.CA.CertFile
	f.env = map[string]string{
		// No static keys, and none of the caller's: each step assumes
		// its role (stepEnv).
		"AWS_ACCESS_KEY_ID":     "",
		"AWS_SECRET_ACCESS_KEY": "",
		"AWS_SESSION_TOKEN":     "",
		"AWS_PROFILE":           "",
		"AWS_REGION":            region,
		"AWS_DEFAULT_REGION":    region,
		"TF_STATE_BUCKET":       stateBucket,
		"TF_IN_AUTOMATION":      "1",
	}
	if cliConfig != "" {
		f.env["TF_CLI_CONFIG_FILE"] = cliConfig
	}
	return nil
}

// trustAttestationKey gives prod the public half of the attestation key
// the bootstrap created in test's account, as the administrator does once
// through prod's GitHub environment variable.
func (f *flow) trustAttestationKey(ctx context.Context) error {
	admin, err := f.awsConfig(ctx, "test", administrator)
	if err != nil {
		return err
	}
	pub, err := attest.KMSSigner{API: kms.NewFromConfig(admin), Key: attest.DefaultKey}.PublicKeyPEM(ctx)
	if err != nil {
		return fmt.Errorf("reading the attestation key's public half: %w", err)
	}
	f.env[attest.PublicKeyEnv] = string(pub)
	f.report.AttestationPublicKey = string(pub)
	return nil
}

// terraformCLIConfig returns a CLI configuration that installs providers
// from the offline mirror (ci/tfmirror's rule), when this machine has one
// and the user has no configuration of their own; "" means terraform's
// defaults are fine.
func terraformCLIConfig(dir string) (string, error) {
	if c := os.Getenv("TF_CLI_CONFIG_FILE"); c != "" {
		if _, err := os.Stat(c); err == nil {
			return c, nil
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		if _, err := os.Stat(filepath.Join(home, ".terraformrc")); err == nil && os.Getenv("TF_CLI_CONFIG_FILE") == "" {
			return "", nil
		}
	}
	mirror := tfmirror.Dir(os.Getenv)
	if mirror == "" || !tfmirror.HasAWS(mirror) {
		return "", nil
	}
	path := filepath.Join(dir, "terraformrc")
	return path, os.WriteFile(path, []byte(tfmirror.CLIConfig(mirror)), 0o644)
}

// localRepo maps an ECR repository URL to the same repository on the local
// registry (the ECR data-plane seam).
func (f *flow) localRepo(ecrURL string) string {
	name := ecrURL[strings.LastIndex(ecrURL, "/")+1:]
	return f.world.state.RegistryHost + "/" + name
}

// approve is the production environment's required reviewer: it
// approves the stored plan and the digest together.
func (f *flow) approve(context.Context) (string, error) {
	a := Approver{Approved: f.opts.Approve, In: f.opts.Stdin, Out: f.console.Writer()}
	what := f.report.TestImage
	if p := f.prodPlan; p != nil {
		// What the reviewer approves: the plan, the digest, and the run
		// that vouched for it.
		f.console.Printf("\n%s\nTo deploy: %s (passed the integration gate on test, run %d)\nStored plan: %s, sha256 %s\n",
			strings.TrimSpace(p.Summary.Markdown("prod")), f.report.TestImage, f.world.state.Runs, p.StoredKey, p.BundleSHA256)
		what = fmt.Sprintf("%s with the prod plan above (%s, sha256 %s)", f.report.TestImage, p.Summary.Headline(), p.BundleSHA256[:12])
	}
	if err := a.Approve(what); err != nil {
		return "", err
	}
	if f.opts.Approve {
		return "approved in advance (--approve)", nil
	}
	return "approved at the prompt", nil
}

// deployProd is the production workflow: the deploy of the tested digest
// (verified, promoted, never rebuilt) under a steady request loop, then a
// smoke check and a read-back of the records written before it.
func (f *flow) deployProd(ctx context.Context) (string, error) {
	url := f.appURL("prod")
	// Records written before the deploy must survive it; a steady request
	// loop counts failed requests all through it.
	var markers []string
	var load *loadgen.Loop
	if f.report.ProdImageBefore != "" {
		var err error
		if markers, err = createRecords(ctx, f.client, url, f.report.Version, 5); err != nil {
			return "", fmt.Errorf("writing records before the rollout: %w", err)
		}
		transport, ok := f.client.Transport.(*http.Transport)
		if !ok {
			return "", fmt.Errorf("the world's client has a %T, not the *http.Transport that trusts its CA", f.client.Transport)
		}
		load = loadgen.Start(loadgen.Options{URL: url + "/health", Workers: 4, Transport: transport, Limit: 10 * time.Minute,
			// A steady rate, not a flood: about 200 requests per second per worker at most.
			Pause: 5 * time.Millisecond})
	}
	req := deploy.Request{Env: "prod", Image: f.report.TestImage, Revision: f.report.Version}
	if p := f.prodPlan; p != nil {
		req.Reviewed = &deploy.ReviewedPlan{Run: strings.TrimSuffix(path.Base(p.StoredKey), ".tfplan.tar"), SHA256: p.BundleSHA256, Commit: f.commit}
	}
	rep, err := deploy.Run(ctx, localSteps{f: f}, req)
	f.report.ProdDeploy = rep
	f.report.ProdImage = rep.Image
	for _, st := range rep.Steps {
		if st.Name == deploy.StepRollout {
			f.report.ProdRolloutSeconds = st.Seconds
		}
	}
	if load != nil {
		lr := load.Stop()
		f.report.Load = &lr
		f.logf("steady load during the deploy: %d requests, %d failed, %.0f req/s, versions %v", lr.Requests, lr.Failed, lr.Rate, lr.Versions)
	}
	if err != nil {
		return "", err
	}
	f.report.ProdImageAfter = f.servingImage("prod")
	if err := smokeCheck(ctx, f.client, url, f.report.Version); err != nil {
		return "", fmt.Errorf("smoke check of prod: %w", err)
	}
	if len(markers) > 0 {
		kept, err := readBack(ctx, f.client, url, markers)
		if err != nil {
			return "", fmt.Errorf("reading records back after the rollout: %w", err)
		}
		f.report.RecordsKept, f.report.RecordsLost = kept, len(markers)-kept
		if kept != len(markers) {
			return "", fmt.Errorf("%d of %d records written before the rollout are gone", len(markers)-kept, len(markers))
		}
	}
	detail := deployDetail(rep)
	if f.report.Load != nil {
		detail += fmt.Sprintf("; %d failed of %d requests under load", f.report.Load.Failed, f.report.Load.Requests)
	}
	return detail, nil
}

// servingImage is the image env's hosts record as current ("" for none).
func (f *flow) servingImage(env string) string { return servingImage(f.hosts[env]) }

// appURL is env's service address: its load balancer, over TLS.
func (f *flow) appURL(env string) string { return f.world.state.LoadBalancers[env].URL }

// servingImage is the image every host records as current: "" for none,
// and the hosts' images joined by " | " when they differ (a split fleet,
// which no check takes for a release).
func servingImage(hosts []*simhost.Host) string {
	var images []string
	for _, h := range hosts {
		// The host's state file holds "IMAGE SLOT".
		data, _ := os.ReadFile(filepath.Join(h.Params().StateDir, "current"))
		image, _, _ := strings.Cut(strings.TrimSpace(string(data)), " ")
		images = append(images, image)
	}
	if images = slices.Compact(images); len(images) == 1 {
		return images[0]
	}
	return strings.Join(images, " | ")
}

// finish records the world for reuse (--keep) or stops all of it.
func (f *flow) finish() {
	if f.world == nil {
		return
	}
	if f.opts.Keep || f.waiting {
		f.world.state.Kept = true
		if err := f.world.save(); err != nil {
			f.console.Printf("world: could not record the kept world: %v", err)
		}
		if f.waiting {
			f.console.Printf("world kept in %s with test deployed, waiting for the approval: `pipeline-local --approve` continues from there; `pipeline-local --down` removes it", f.opts.Dir)
			return
		}
		f.console.Printf("world kept in %s (test %s, prod %s); run again to reuse it, or without --keep to stop it", f.opts.Dir, f.appURL("test"), f.appURL("prod"))
		return
	}
	if err := f.world.stop(); err != nil {
		f.console.Printf("world: %v (remove them with: pipeline-local --down)", err)
	}
	for _, image := range f.images {
		_ = exec.Command("podman", "rmi", "--force", "--ignore", image).Run()
	}
	for _, d := range []string{"world", "build"} {
		_ = os.RemoveAll(filepath.Join(f.opts.Dir, d))
	}
	f.console.Printf("world stopped and removed; plans and logs stay in %s", f.opts.Dir)
}

// command runs a command in dir with its output going to the flow's log.
func (f *flow) command(ctx context.Context, dir string, args ...string) error {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = io.MultiWriter(&out, f.log)
	cmd.Stderr = cmd.Stdout
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w\n%s", strings.Join(args, " "), err, hostresult.Tail(out.String(), 4000))
	}
	return nil
}

// preview is the pull request's preview (test.yml, job preview): test's
// plan, under its plan role.
func (f *flow) preview(ctx context.Context) (string, error) {
	plan, err := localSteps{f: f, role: planRole}.Plan(ctx, "test")
	if err != nil {
		return "", err
	}
	f.logf("%s", plan.Summary.Markdown("test"))
	return plan.Summary.Headline(), nil
}

// deployTest is test.yml's deploy job on develop.
func (f *flow) deployTest(ctx context.Context) (string, error) {
	rep, err := deploy.Run(ctx, localSteps{f: f}, deploy.Request{Env: "test", Image: f.redeployImage, Revision: f.report.Version, SkipIntegrationTests: true})
	f.report.TestDeploy = rep
	f.report.TestImage = rep.Image
	if ref, perr := imageref.Parse(rep.Image); perr == nil {
		f.report.Digest = ref.Digest
	}
	return deployDetail(rep), err
}

// integrationTests is test.yml's integration-tests job: the suite against
// test, and the gate record signed when it passes.
func (f *flow) integrationTests(ctx context.Context) (string, error) {
	rep, err := deploy.Gate(ctx, localSteps{f: f}, deploy.GateRequest{AppURL: f.appURL("test"), Image: f.report.TestImage, Revision: f.report.Version})
	f.report.Gate = rep
	f.report.Tests = testResults(rep.Tests)
	for _, t := range f.report.Tests {
		mark := "✅"
		if t.Result != "pass" {
			mark = "❌"
		}
		f.logf("  %s %s (%.2fs)", mark, t.Name, t.Seconds)
	}
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d checks passed against %s; gate record signed", len(rep.Tests.Passed()), f.appURL("test")), nil
}

// storeProdPlan is prod.yml's plan job: prod's plan, stored for the
// reviewer, who approves it with the digest.
func (f *flow) storeProdPlan(ctx context.Context) (string, error) {
	plan, err := localSteps{f: f}.StorePlan(ctx, "prod", fmt.Sprintf("local-run%d", f.world.state.Runs), f.commit)
	if err != nil {
		return "", err
	}
	f.prodPlan = &plan
	f.report.ProdPlan = &plan
	f.logf("%s\nTo deploy: %s (tested and attested on test)", plan.Summary.Markdown("prod"), f.report.TestImage)
	return fmt.Sprintf("%s; stored, sha256 %s", plan.Summary.Headline(), plan.BundleSHA256[:12]), nil
}

// reopenWorld opens the world a run kept while it waited for the approval.
func (f *flow) reopenWorld(ctx context.Context) (string, error) {
	if err := f.openWorld(ctx); err != nil {
		return "", err
	}
	if f.world.state.Runs == 0 {
		return "", errors.New("the world that waited for the approval is gone (a new one was started): run again for a fresh run")
	}
	if err := f.trustAttestationKey(ctx); err != nil {
		return "", err
	}
	return fmt.Sprintf("reused the world that waited for approval (test serves %s)", shortDigest(f.servingImage("test"))), nil
}

// deployDetail is a stage's one-line detail from a deploy report.
func deployDetail(rep *deploy.Report) string {
	for _, st := range rep.Steps {
		if st.Name == deploy.StepRollout && st.Result == deploy.Passed {
			return fmt.Sprintf("deployed %s, rollout %.1fs", shortDigest(rep.Image), st.Seconds)
		}
	}
	return ""
}

// testResults lists the suite's leaf tests for the report.
func testResults(r *testjson.Report) []TestResult {
	if r == nil {
		return nil
	}
	var out []TestResult
	for _, t := range r.Tests {
		if t.Leaf {
			out = append(out, TestResult{Name: t.Name, Result: t.Result, Seconds: t.Seconds})
		}
	}
	return out
}

// preflight says exactly what is missing before anything starts.
func (f *flow) preflight() error {
	root := f.opts.Root
	var missing []string
	for _, p := range []struct{ program, install string }{
		{"terraform", "install terraform 1.11 (with the hashicorp/aws provider reachable or mirrored)"},
		{"moto_server", components.MotoInstall},
		{"initdb", components.PostgresInstall},
		{"pg_ctl", components.PostgresInstall},
		{"docker-registry", localworld.RegistryInstall},
		{"haproxy", localworld.HAProxyInstall},
		{"podman", "apt-get install podman runc (and see .ci/setup for containers.conf)"},
		{"slirp4netns", "apt-get install slirp4netns (the app containers' network)"},
		{"nginx", "apt-get install nginx-light"},
		{"go", "install Go 1.26"},
		{"flock", "apt-get install util-linux"},
		{"curl", "apt-get install curl"},
	} {
		if _, err := exec.LookPath(p.program); err != nil {
			missing = append(missing, fmt.Sprintf("%s (%s)", p.program, p.install))
		}
	}
	for _, d := range []string{"app", "tests", "terraform"} {
		if fi, err := os.Stat(filepath.Join(root, d)); err != nil || !fi.IsDir() {
			missing = append(missing, fmt.Sprintf("%s/ under %s (run from a checkout of the repository)", d, root))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the local flow needs:\n  - %s\n(bash .ci/setup installs all of them on Debian)", strings.Join(missing, "\n  - "))
	}
	return nil
}
