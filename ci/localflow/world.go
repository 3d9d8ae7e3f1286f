package localflow

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gangway-dev/gangway/ci/envname"
	"github.com/gangway-dev/gangway/ci/localworld"
	"github.com/gangway-dev/gangway/ci/localworld/simhost"
	"github.com/gangway-dev/gangway/internal/components"
)

// worldFile records what a run started, so that a later run can reuse a
// kept world (--keep) or clean up after an interrupted one.
const worldFile = "world.json"

// worldState is the JSON in worldFile.
type worldState struct {
	// Motos maps an environment to its moto_server: one emulated AWS account
	// per environment, as many teams run test and prod in separate accounts
	// (and because moto gives every RDS instance of an account the same
	// resource id, which the AWS provider reads instances by).
	Motos        map[string]motoState `json:"motos"`
	RegistryHost string               `json:"registry_host"`
	RegistryPID  int                  `json:"registry_pid"`
	// Databases maps an environment to its PostgreSQL cluster (the RDS
	// stand-in): one cluster per environment, as RDS has one instance each.
	Databases map[string]dbState `json:"databases"`
	// Hosts maps an environment to its simulated EC2 hosts, the fleet
	// behind its load balancer.
	Hosts map[string][]simhost.State `json:"hosts"`
	// CA is the world's certificate authority; LoadBalancers maps an
	// environment to the HAProxy in front of its hosts, which serves the
	// app over TLS with a certificate from CA (the ALB's stand-in).
	CA            localworld.CA                           `json:"ca"`
	LoadBalancers map[string]localworld.LoadBalancerState `json:"load_balancers"`
	// Runs counts the flows run in this world; it versions local builds.
	Runs int `json:"runs"`
	// Kept is true when the last run ended normally with --keep; only such a
	// world is reused. One left by an interrupted run is cleaned up.
	Kept bool `json:"kept"`
}

type motoState struct {
	Endpoint string `json:"endpoint"`
	PID      int    `json:"pid"`
	// Account is the emulated account's id once terraform/bootstrap was
	// applied in it and IAM enforcement turned on ("" before).
	Account string `json:"account"`
}

type dbState struct {
	Port    int    `json:"port"`
	DataDir string `json:"data_dir"`
}

// world is the set of running local components.
type world struct {
	dir   string
	state worldState
	dbs   map[string]*components.Postgres
}

// openWorld reuses the world recorded in dir when all of it still answers,
// and otherwise cleans up whatever an earlier run left behind and starts a
// new one.
func openWorld(ctx context.Context, dir string, logf func(string, ...any)) (*world, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	prev, err := readWorldState(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		logf("world: ignoring unreadable %s (%v); starting afresh", worldFile, err)
	default:
		if w, ok := attachWorld(dir, prev); ok && prev.Kept {
			logf("world: reusing the kept world in %s (registry %s)", dir, prev.RegistryHost)
			return w, nil
		}
		logf("world: the world recorded in %s was left by an interrupted run or is gone; cleaning it up", dir)
		if err := stopRecorded(dir, prev); err != nil {
			logf("world: could not stop all of it (%v); starting afresh beside it", err)
		}
	}
	return startWorld(ctx, dir)
}

func readWorldState(dir string) (worldState, error) {
	var s worldState
	data, err := os.ReadFile(filepath.Join(dir, worldFile))
	if err != nil {
		return s, err
	}
	err = json.Unmarshal(data, &s)
	return s, err
}

func (w *world) save() error {
	data, err := json.MarshalIndent(w.state, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(w.dir, worldFile), data, 0o644)
}

// attachWorld returns the recorded world when every component answers.
func attachWorld(dir string, s worldState) (*world, bool) {
	if !answers("http://"+s.RegistryHost+"/v2/") || len(s.Motos) != len(envname.Known) || len(s.Databases) != len(envname.Known) {
		return nil, false
	}
	for _, m := range s.Motos {
		if !answers(m.Endpoint + "/moto-api/") {
			return nil, false
		}
	}
	w := &world{dir: dir, state: s, dbs: map[string]*components.Postgres{}}
	if len(s.Hosts) != len(envname.Known) {
		return nil, false
	}
	for _, hosts := range s.Hosts {
		if len(hosts) != hostsPerEnv {
			return nil, false
		}
		for _, h := range hosts {
			if !listening(h.Ports[2]) {
				return nil, false
			}
		}
	}
	if len(s.LoadBalancers) != len(envname.Known) {
		return nil, false
	}
	for _, lb := range s.LoadBalancers {
		if !components.Listening(strings.TrimPrefix(lb.URL, "https://")) {
			return nil, false
		}
	}
	for env, db := range s.Databases {
		if !listening(db.Port) {
			return nil, false
		}
		p, err := components.AttachPostgres(db.Port, db.DataDir)
		if err != nil {
			return nil, false
		}
		w.dbs[env] = p
	}
	return w, true
}

func startWorld(ctx context.Context, dir string) (w *world, err error) {
	if err := os.RemoveAll(filepath.Join(dir, "world")); err != nil {
		return nil, fmt.Errorf("removing the old world: %w", err)
	}
	base := filepath.Join(dir, "world")
	if err := os.MkdirAll(base, 0o755); err != nil {
		return nil, err
	}
	w = &world{dir: dir, dbs: map[string]*components.Postgres{}, state: worldState{
		Motos:         map[string]motoState{},
		Databases:     map[string]dbState{},
		Hosts:         map[string][]simhost.State{},
		LoadBalancers: map[string]localworld.LoadBalancerState{},
	}}
	defer func() {
		if err != nil {
			_ = w.stop()
		}
	}()
	registry, err := localworld.StartRegistry(ctx, base)
	if err != nil {
		return w, err
	}
	w.state.RegistryHost, w.state.RegistryPID = registry.Host, registry.Pid()
	if w.state.CA, err = localworld.NewCA(filepath.Join(base, "ca")); err != nil {
		return w, err
	}
	for _, env := range envname.Known {
		m, err := components.StartMoto(ctx, base)
		if err != nil {
			return w, fmt.Errorf("starting the %s AWS emulator: %w", env, err)
		}
		w.state.Motos[env] = motoState{Endpoint: m.Endpoint, PID: m.Pid()}
		p, err := components.StartPostgres(ctx, base)
		if err != nil {
			return w, fmt.Errorf("starting the %s database: %w", env, err)
		}
		w.dbs[env] = p
		w.state.Databases[env] = dbState{Port: p.Port, DataDir: p.DataDir()}
		var targets []string
		for i := 1; i <= hostsPerEnv; i++ {
			name := hostName(dir, env, i)
			h, err := simhost.Start(ctx, filepath.Join(base, "host-"+env+"-"+strconv.Itoa(i)), name)
			if err != nil {
				return w, fmt.Errorf("starting the %s host %s: %w", env, name, err)
			}
			w.state.Hosts[env] = append(w.state.Hosts[env], h.State())
			targets = append(targets, strings.TrimPrefix(h.URL, "http://"))
		}
		lb, err := localworld.StartLoadBalancer(ctx, filepath.Join(base, "lb-"+env), w.state.CA, targets)
		if err != nil {
			return w, fmt.Errorf("starting the %s load balancer: %w", env, err)
		}
		w.state.LoadBalancers[env] = lb.State()
	}
	err = w.save()
	return w, err
}

// stop ends every component of the world and forgets it.
func (w *world) stop() error {
	return stopRecorded(w.dir, w.state)
}

// stopRecorded ends the components a state file names, whether this
// process started them or an earlier one did. It stops everything it can
// and returns what it could not.
func stopRecorded(dir string, s worldState) error {
	var errs []error
	for _, lb := range s.LoadBalancers {
		components.KillGroup(lb.PID)
	}
	for _, hosts := range s.Hosts {
		for _, h := range hosts {
			errs = append(errs, simhost.Attach(h).Stop(context.Background()))
		}
	}
	for _, m := range s.Motos {
		components.KillGroup(m.PID)
	}
	components.KillGroup(s.RegistryPID)
	for _, db := range s.Databases {
		if p, err := components.AttachPostgres(db.Port, db.DataDir); err == nil {
			p.Stop()
		}
	}
	if err := errors.Join(errs...); err != nil {
		// Keep the record, so that `pipeline-local --down` can try again.
		return err
	}
	_ = os.Remove(filepath.Join(dir, worldFile))
	return nil
}

// hostsPerEnv is the size of each environment's fleet: two hosts behind
// its load balancer, as prod's tfvars desire, so that every rollout goes
// host by host and keeps one serving.
const hostsPerEnv = 2

// hostName names env's i-th host (its containers and its instance id)
// after the world's directory, so that two worlds on one machine (a
// developer's and a CI run) never share a container name.
func hostName(dir, env string, i int) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	sum := sha256.Sum256([]byte(abs))
	return fmt.Sprintf("gangway-local-%x-%s-%d", sum[:3], env, i)
}

func answers(url string) bool {
	client := &http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}

func listening(port int) bool { return components.Listening(fmt.Sprintf("127.0.0.1:%d", port)) }

// Down stops and removes the world kept in dir (default root/.local),
// whatever state it is in. It reports whether there was one.
func Down(root, dir string) (bool, error) {
	if dir == "" {
		dir = filepath.Join(root, ".local")
	}
	s, err := readWorldState(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading the kept world in %s: %w", dir, err)
	}
	if err := stopRecorded(dir, s); err != nil {
		return true, err
	}
	if err := removePending(dir); err != nil {
		return true, err
	}
	for _, d := range []string{"world", "build"} {
		if err := os.RemoveAll(filepath.Join(dir, d)); err != nil {
			return true, err
		}
	}
	return true, nil
}
