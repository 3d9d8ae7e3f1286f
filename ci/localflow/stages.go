package localflow

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/gangway-dev/gangway/ci/envname"
	"github.com/gangway-dev/gangway/ci/rollout"
)

// stateBucket is the Terraform state bucket the flow bootstraps in moto.
const stateBucket = "gangway-local-tfstate"

func (f *flow) logf(format string, args ...any) {
	fmt.Fprintf(f.opts.Out, format+"\n", args...)
}

// startWorld starts (or reuses) the local components and bootstraps the
// state bucket, as a newcomer does once per AWS account.
func (f *flow) startWorld(ctx context.Context) (string, error) {
	w, err := openWorld(ctx, f.opts.Dir, f.logf)
	if err != nil {
		return "", err
	}
	f.world = w
	w.state.Runs++
	w.state.Kept = false // until this run ends normally with --keep
	if err := w.save(); err != nil {
		return "", err
	}
	for env, hs := range w.state.Hosts {
		f.hosts[env] = rollout.AttachLocalHost(hs)
	}
	f.report.Version = version(ctx, f.opts.Root, w.state.Runs)
	if f.opts.Break {
		f.report.Version += "-broken"
	}
	f.env = map[string]string{
		"AWS_ACCESS_KEY_ID":     "testing",
		"AWS_SECRET_ACCESS_KEY": "testing",
		"AWS_SESSION_TOKEN":     "",
		"AWS_REGION":            "us-east-1",
		"AWS_DEFAULT_REGION":    "us-east-1",
		"TF_STATE_BUCKET":       stateBucket,
		"TF_IN_AUTOMATION":      "1",
	}
	if cfg, err := terraformCLIConfig(f.opts.Dir); err != nil {
		return "", err
	} else if cfg != "" {
		f.env["TF_CLI_CONFIG_FILE"] = cfg
	}
	for _, env := range envname.Known {
		if err := f.step(ctx, env, nil, "bootstrap", "--bucket", stateBucket); err != nil {
			return "", err
		}
	}
	prodBefore := f.servingImage("prod")
	f.report.ProdImageBefore, f.report.ProdImageAfter = prodBefore, prodBefore
	return fmt.Sprintf("moto test %s and prod %s, registry %s, hosts test %s and prod %s",
		w.state.Motos["test"].Endpoint, w.state.Motos["prod"].Endpoint, w.state.RegistryHost, f.hosts["test"].URL, f.hosts["prod"].URL), nil
}

// terraformCLIConfig returns a CLI configuration that installs providers
// from an offline mirror, when this machine has one and the user has no
// configuration of their own; "" means terraform's defaults are fine.
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
	for _, mirror := range []string{"/opt/tf-plugins", "/usr/share/terraform/plugins", "/usr/local/share/terraform/plugins"} {
		if _, err := os.Stat(filepath.Join(mirror, "registry.terraform.io", "hashicorp", "aws")); err != nil {
			continue
		}
		path := filepath.Join(dir, "terraformrc")
		cfg := fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path = %q\n  }\n}\n", mirror)
		return path, os.WriteFile(path, []byte(cfg), 0o644)
	}
	return "", nil
}

// plan runs the preview: `pipeline plan` for env, and prints its summary.
func (f *flow) plan(ctx context.Context, env string) (string, error) {
	planDir := filepath.Join(f.opts.Dir, "plans")
	if err := os.MkdirAll(planDir, 0o755); err != nil {
		return "", err
	}
	md := filepath.Join(planDir, env+".md")
	var res struct {
		HasChanges bool `json:"has_changes"`
	}
	if err := f.step(ctx, env, &res, "plan", "--env", env, "--dir", filepath.Join(f.opts.Root, "terraform"),
		"--out", f.planFile(env), "--summary-md", md); err != nil {
		return "", err
	}
	summary, err := os.ReadFile(md)
	if err != nil {
		return "", fmt.Errorf("reading the plan summary: %w", err)
	}
	f.logf("%s", summary)
	return firstLine(string(summary)), nil
}

func (f *flow) planFile(env string) string {
	return filepath.Join(f.opts.Dir, "plans", env+".tfplan")
}

// applyAndProvision applies the reviewed plan for env, reads its outputs and
// does the RDS seam: the master user from the Terraform-made secret on the
// local PostgreSQL, and the host's env file.
func (f *flow) applyAndProvision(ctx context.Context, env string) (outputs, error) {
	var o outputs
	if err := f.step(ctx, env, nil, "apply", "--env", env, "--dir", filepath.Join(f.opts.Root, "terraform"), "--plan", f.planFile(env)); err != nil {
		return o, err
	}
	if err := f.step(ctx, env, &o, "outputs", "--env", env, "--dir", filepath.Join(f.opts.Root, "terraform")); err != nil {
		return o, err
	}
	cfg := aws.Config{
		Region:       o.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		BaseEndpoint: aws.String(f.world.state.Motos[env].Endpoint),
	}
	creds, err := readDBSecret(ctx, cfg, o.DBSecretARN)
	if err != nil {
		return o, err
	}
	db := f.world.dbs[env]
	if err := provisionDatabase(ctx, db.URL("postgres"), creds); err != nil {
		return o, err
	}
	vars := hostEnv(env, o, db.Port, creds.Username, f.world.state.Motos[env].Endpoint)
	return o, writeEnvFile(f.hosts[env].EnvFile, vars)
}

// deployTest is the test workflow's deploy job: apply, build once, push, roll out.
func (f *flow) deployTest(ctx context.Context) (string, error) {
	o, err := f.applyAndProvision(ctx, "test")
	if err != nil {
		return "", err
	}
	image, err := buildImage(ctx, f.opts.Root, f.opts.Dir, f.report.Version, f.opts.Break, f.command)
	if err != nil {
		return "", err
	}
	f.images = append(f.images, image)
	ref, err := pushImage(ctx, f.opts.Root, f.opts.Dir, image, f.localRepo(o.ECRRepositoryURL), f.report.Version, f.command)
	if err != nil {
		return "", err
	}
	f.report.TestImage = ref
	f.report.Digest = ref[strings.Index(ref, "@")+1:]
	t0 := time.Now()
	res, err := f.rollout(ctx, "test", ref)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s %s on %s, rollout %.1fs", res.Status, shortDigest(ref), f.hosts["test"].URL, time.Since(t0).Seconds()), nil
}

// localRepo maps an ECR repository URL to the same repository on the local
// registry (the ECR data-plane seam).
func (f *flow) localRepo(ecrURL string) string {
	name := ecrURL[strings.LastIndex(ecrURL, "/")+1:]
	return f.world.state.RegistryHost + "/" + name
}

// rollout runs the generated rollout script on env's host: what SSM Run
// Command runs on EC2 (the SSM transport seam).
func (f *flow) rollout(ctx context.Context, env, ref string) (rollout.Result, error) {
	p := f.hosts[env].Params()
	p.Image = ref
	logPath := filepath.Join(f.opts.Dir, "rollout-"+env+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return rollout.Result{}, err
	}
	defer logFile.Close()
	f.logf("rolling out %s to the %s host (script output: %s)", ref, env, logPath)
	res, err := rollout.RunLocal(ctx, p, logFile)
	if err != nil {
		return res, err
	}
	f.images = append(f.images, ref)
	return res, nil
}

// integrationTests runs the tests/ suite against the test host; any failed
// check stops the flow.
func (f *flow) integrationTests(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "test", "-json", "-count=1", "./tests")
	cmd.Dir = f.opts.Root
	cmd.Env = append(os.Environ(), "APP_URL="+f.hosts["test"].URL, "READY_TIMEOUT=60s")
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, f.opts.Out
	runErr := cmd.Run()
	results, output := parseTestJSON(stdout.Bytes())
	f.report.Tests = results
	var failed []string
	for _, r := range results {
		mark := "✅"
		if r.Result == "fail" {
			mark = "❌"
			failed = append(failed, r.Name)
		}
		f.logf("  %s %s (%.2fs)", mark, r.Name, r.Seconds)
	}
	if runErr != nil || len(failed) > 0 {
		if len(failed) == 0 {
			return "", fmt.Errorf("the suite did not run: %v\n%s", runErr, output)
		}
		for _, name := range failed {
			f.logf("--- %s output:\n%s", name, output[name])
		}
		return "", fmt.Errorf("%d of %d checks failed: %s", len(failed), len(results), strings.Join(failed, ", "))
	}
	return fmt.Sprintf("%d checks passed against %s", len(results), f.hosts["test"].URL), nil
}

// parseTestJSON reads `go test -json` output: the result of every test, and
// the output of each, keyed by test name.
func parseTestJSON(data []byte) ([]TestResult, map[string]string) {
	var results []TestResult
	output := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev struct {
			Action  string
			Test    string
			Elapsed float64
			Output  string
		}
		if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.Test == "" {
			continue
		}
		switch ev.Action {
		case "output":
			output[ev.Test] += ev.Output
		case "pass", "fail", "skip":
			results = append(results, TestResult{Name: ev.Test, Result: ev.Action, Seconds: ev.Elapsed})
		}
	}
	return results, output
}

// approve is the production environment's required reviewer.
func (f *flow) approve(ctx context.Context) (string, error) {
	a := Approver{Approved: f.opts.Approve, In: f.opts.Stdin, Out: f.opts.Out}
	if err := a.Approve(f.report.TestImage); err != nil {
		return "", err
	}
	if f.opts.Approve {
		return "approved in advance (--approve)", nil
	}
	return "approved at the prompt", nil
}

// deployProd is the production workflow: plan and apply prod, promote the
// tested digest (never rebuild), roll it out under a steady request loop,
// smoke-check it, and read back the records written before the rollout.
func (f *flow) deployProd(ctx context.Context) (string, error) {
	if _, err := f.plan(ctx, "prod"); err != nil {
		return "", err
	}
	if _, err := f.applyAndProvision(ctx, "prod"); err != nil {
		return "", err
	}
	var promoted struct {
		Image string `json:"target"`
	}
	if err := f.step(ctx, "prod", &promoted, "promote", "--from", "test", "--to", "prod", "--image", f.report.TestImage); err != nil {
		return "", err
	}
	if !strings.HasSuffix(promoted.Image, "@"+f.report.Digest) {
		return "", fmt.Errorf("promote returned %q, not the tested digest %s", promoted.Image, f.report.Digest)
	}
	f.report.ProdImage = promoted.Image
	host := f.hosts["prod"]

	// Records written before the rollout must survive it; a steady request
	// loop counts failed requests during the cutover.
	var markers []string
	var load *LoadLoop
	if f.report.ProdImageBefore != "" {
		var err error
		if markers, err = createRecords(ctx, host.URL, f.report.Version, 5); err != nil {
			return "", fmt.Errorf("writing records before the rollout: %w", err)
		}
		load = StartLoad(host.URL, 4, 5*time.Minute)
	}
	t0 := time.Now()
	res, err := f.rollout(ctx, "prod", promoted.Image)
	f.report.ProdRolloutSeconds = time.Since(t0).Seconds()
	if load != nil {
		lr := load.Stop()
		f.report.Load = &lr
		f.logf("steady load during the rollout: %d requests, %d failed, %.0f req/s, versions %v", lr.Requests, lr.Failed, lr.Rate, lr.Versions)
	}
	if err != nil {
		return "", err
	}
	f.report.ProdImageAfter = f.servingImage("prod")
	if err := smokeCheck(ctx, host.URL, f.report.Version); err != nil {
		return "", fmt.Errorf("smoke check of prod: %w", err)
	}
	if len(markers) > 0 {
		kept, err := readBack(ctx, host.URL, markers)
		if err != nil {
			return "", fmt.Errorf("reading records back after the rollout: %w", err)
		}
		f.report.RecordsKept, f.report.RecordsLost = kept, len(markers)-kept
		if kept != len(markers) {
			return "", fmt.Errorf("%d of %d records written before the rollout are gone", len(markers)-kept, len(markers))
		}
	}
	detail := fmt.Sprintf("%s %s on %s, rollout %.1fs", res.Status, shortDigest(promoted.Image), host.URL, f.report.ProdRolloutSeconds)
	if f.report.Load != nil {
		detail += fmt.Sprintf("; %d failed of %d requests under load", f.report.Load.Failed, f.report.Load.Requests)
	}
	return detail, nil
}

// servingImage is the image env's host records as current ("" for none).
// The host's state file holds "IMAGE SLOT".
func (f *flow) servingImage(env string) string {
	data, err := os.ReadFile(filepath.Join(f.hosts[env].Params().StateDir, "current"))
	if err != nil {
		return ""
	}
	image, _, _ := strings.Cut(strings.TrimSpace(string(data)), " ")
	return image
}

// finish records the world for reuse (--keep) or stops all of it.
func (f *flow) finish() {
	if f.world == nil {
		return
	}
	if f.opts.Keep {
		f.world.state.Kept = true
		if err := f.world.save(); err != nil {
			f.logf("world: could not record the kept world: %v", err)
		}
		f.logf("world kept in %s (test %s, prod %s); run again to reuse it, or without --keep to stop it", f.opts.Dir, f.hosts["test"].URL, f.hosts["prod"].URL)
		return
	}
	f.world.stop()
	for _, image := range f.images {
		_ = exec.Command("podman", "rmi", "--force", "--ignore", image).Run()
	}
	for _, d := range []string{"world", "build"} {
		_ = os.RemoveAll(filepath.Join(f.opts.Dir, d))
	}
	f.logf("world stopped and removed; plans and rollout logs stay in %s", f.opts.Dir)
}

// run runs a command in dir with its output going to the flow's log.
func (f *flow) command(ctx context.Context, dir string, args ...string) error {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w\n%s", strings.Join(args, " "), err, rollout.Tail(out.String(), 4000))
	}
	return nil
}

func createRecords(ctx context.Context, baseURL, version string, n int) ([]string, error) {
	var markers []string
	for i := range n {
		marker := fmt.Sprintf("before-rollout-%s-%d-%d", version, time.Now().UnixNano(), i)
		body, _ := json.Marshal(map[string]string{"name": marker, "description": "written before a production rollout"})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/db/create", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return nil, fmt.Errorf("POST /db/create: status %d", resp.StatusCode)
		}
		markers = append(markers, marker)
	}
	return markers, nil
}

// readBack counts how many of the markers /db/read returns.
func readBack(ctx context.Context, baseURL string, markers []string) (int, error) {
	var page struct {
		Records []struct {
			Name string `json:"name"`
		} `json:"records"`
	}
	if err := getJSON(ctx, baseURL+"/db/read?limit=100", http.StatusOK, &page); err != nil {
		return 0, err
	}
	seen := map[string]bool{}
	for _, r := range page.Records {
		seen[r.Name] = true
	}
	kept := 0
	for _, m := range markers {
		if seen[m] {
			kept++
		}
	}
	return kept, nil
}

// smokeCheck asks the new version for /health (with the right version) and
// /db/status.
func smokeCheck(ctx context.Context, baseURL, version string) error {
	var health struct {
		Status, Version string
	}
	if err := getJSON(ctx, baseURL+"/health", http.StatusOK, &health); err != nil {
		return err
	}
	if health.Version != version {
		return fmt.Errorf("/health reports version %q, want %q", health.Version, version)
	}
	var db struct{ Status string }
	if err := getJSON(ctx, baseURL+"/db/status", http.StatusOK, &db); err != nil {
		return err
	}
	if db.Status != "connected" {
		return fmt.Errorf("/db/status reports %q", db.Status)
	}
	return nil
}

func getJSON(ctx context.Context, url string, want int, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		return fmt.Errorf("GET %s: status %d, want %d", url, resp.StatusCode, want)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}

func firstLine(s string) string {
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(strings.TrimLeft(line, "#")); line != "" {
			return line
		}
	}
	return ""
}
