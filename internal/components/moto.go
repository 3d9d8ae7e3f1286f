package components

import (
	"bufio"
	"context"
	_ "embed"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// motoServer runs moto_server with the corrections that make it answer as
// AWS does where the pipeline's Terraform depends on it (see the script).
//
//go:embed moto_server.py
var motoServer []byte

// MotoInstall says how to install moto_server, in the release
// moto_server.py corrects.
const MotoInstall = "pip install 'moto[server]==5.2.1'"

// Moto is a running moto_server.
type Moto struct {
	// Endpoint is the base URL to use as AWS_ENDPOINT_URL.
	Endpoint string
	proc     *Process
}

// StartMoto starts moto_server (corrected, see moto_server.py) on a free
// loopback port with AWS-managed IAM policies loaded, and waits until it
// answers. Its log and the script go to logDir.
func StartMoto(ctx context.Context, logDir string) (*Moto, error) {
	bin, err := LookPath("moto_server", MotoInstall)
	if err != nil {
		return nil, err
	}
	python, err := motoPython(bin)
	if err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	script := filepath.Join(logDir, fmt.Sprintf("moto-%d.py", port))
	if err := os.WriteFile(script, motoServer, 0o644); err != nil {
		return nil, fmt.Errorf("writing moto_server's script: %w", err)
	}
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	proc, err := StartServer(ctx, "moto_server", python,
		[]string{script, "-H", "127.0.0.1", "-p", fmt.Sprint(port)},
		[]string{"MOTO_IAM_LOAD_MANAGED_POLICIES=true"},
		filepath.Join(logDir, fmt.Sprintf("moto-%d.log", port)), endpoint+"/moto-api/", 60*time.Second)
	if err != nil {
		return nil, err
	}
	return &Moto{Endpoint: endpoint, proc: proc}, nil
}

// motoPython is the interpreter moto_server runs on, which is the one
// that can import moto: the one its #! line names (a pip console script,
// in a virtualenv or not), else python3 on PATH (moto_server is then a
// shell wrapper such as pyenv's shim, which runs that python3).
func motoPython(motoServer string) (string, error) {
	f, err := os.Open(motoServer)
	if err != nil {
		return "", err
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	if words := strings.Fields(strings.TrimPrefix(line, "#!")); strings.HasPrefix(line, "#!") && len(words) > 0 {
		switch {
		case strings.Contains(filepath.Base(words[0]), "python"):
			return words[0], nil
		case filepath.Base(words[0]) == "env" && len(words) > 1 && strings.Contains(words[len(words)-1], "python"):
			return LookPath(words[len(words)-1], "install moto[server]==5.2.1 for it")
		}
	}
	return LookPath("python3", "install Python 3 with moto[server]==5.2.1")
}

// Env returns the environment variables that point an AWS client at moto
// with dummy credentials.
func (m *Moto) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + m.Endpoint,
		"AWS_ACCESS_KEY_ID=testing",
		"AWS_SECRET_ACCESS_KEY=testing",
		"AWS_REGION=us-east-1",
		"AWS_DEFAULT_REGION=us-east-1",
	}
}

// EnforceIAM turns moto's IAM enforcement on or off from the next request
// on (POST /moto-api/reset-auth). On, every request must be signed with
// credentials moto issued (an IAM user's access key, or an STS session of
// a role that exists) and is allowed only by that principal's identity
// policies, as far as moto evaluates them (see ci/README.md, "What the
// emulator enforces"): the admin keys of Env no longer work. Off, which
// is how StartMoto starts it, nothing is checked.
func (m *Moto) EnforceIAM(ctx context.Context, on bool) error {
	count := "inf"
	if on {
		count = "0"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.Endpoint+"/moto-api/reset-auth", strings.NewReader(count))
	if err != nil {
		return err
	}
	// moto reads the raw body, which a form content type would empty.
	req.Header.Set("Content-Type", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("setting moto's IAM enforcement to %v: %w", on, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("setting moto's IAM enforcement to %v: %s: %s", on, resp.Status, body)
	}
	return nil
}

// AWSConfig is an AWS configuration for m with its dummy admin keys, for
// a test's setup and checks (the code under test loads its own).
func (m *Moto) AWSConfig() aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		BaseEndpoint: aws.String(m.Endpoint),
	}
}

// Pid is moto_server's process id (also its process group id).
func (m *Moto) Pid() int { return m.proc.Pid() }

// Stop ends moto_server and its children.
func (m *Moto) Stop() { m.proc.Stop() }
