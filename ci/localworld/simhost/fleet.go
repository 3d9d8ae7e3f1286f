package simhost

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/gangway-dev/gangway/ci/rollout"
	"github.com/gangway-dev/gangway/ci/ssmrun"
	"github.com/gangway-dev/gangway/internal/components"
)

// Fleet is an environment's simulated hosts as ssmrun sees SSM managed
// instances: an ssmrun.Transport, so that a local rollout goes through the
// very batching, stop at the first failed batch and rollback of moved hosts
// that SSM rollouts do. The instance id of a host is its container-name
// prefix.
//
// On EC2 every host runs the same script. Simulated hosts share one
// machine, so each has its own ports and paths: Render renders a rollout
// for each host and returns the first host's script, which stands for all
// of them; Invoke runs each host's own rendering of the script it is sent.
type Fleet struct {
	hosts []*Host
	// Log receives each script's output, host by host (nil: discarded).
	Log io.Writer

	mu sync.Mutex
	// scripts maps a script Render returned to each host's own.
	scripts map[string]map[string]string
}

// NewFleet returns the fleet of hosts.
func NewFleet(hosts ...*Host) *Fleet {
	return &Fleet{hosts: hosts, scripts: map[string]map[string]string{}}
}

// ID is the host's instance id in the fleet.
func (h *Host) ID() string { return h.params.NamePrefix }

// Render renders the rollout that params gives for each host and returns
// the script that stands for it: what the runner sends.
func (f *Fleet) Render(params func(*Host) rollout.Params) (string, error) {
	if len(f.hosts) == 0 {
		return "", fmt.Errorf("the fleet has no host")
	}
	own := map[string]string{}
	var first string
	for i, h := range f.hosts {
		script, err := rollout.Render(params(h))
		if err != nil {
			return "", fmt.Errorf("host %s: %w", h.ID(), err)
		}
		own[h.ID()] = script
		if i == 0 {
			first = script
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scripts[first] = own
	return first, nil
}

// Preflight returns the targeted hosts, sorted by id, Online when their
// nginx answers on its port and ConnectionLost otherwise (as SSM reports an
// agent it no longer hears from), with ssmrun's errors for the rest.
func (f *Fleet) Preflight(_ context.Context, t ssmrun.Targets) ([]ssmrun.Instance, error) {
	if len(t.Tags) > 0 {
		return nil, fmt.Errorf("%w: the local fleet is targeted by instance id, not by tags", ssmrun.ErrNoTargets)
	}
	var out []ssmrun.Instance
	var missing []string
	for _, id := range t.InstanceIDs {
		h := f.host(id)
		if h == nil {
			missing = append(missing, id)
			continue
		}
		ping := "Online"
		if !components.Listening(h.params.PublicListen) {
			ping = "ConnectionLost"
		}
		out = append(out, ssmrun.Instance{ID: id, PingStatus: ping, Platform: "Linux"})
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: %s; nothing was sent", ssmrun.ErrNotRegistered, strings.Join(missing, ", "))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no instance id given; nothing was sent", ssmrun.ErrNoTargets)
	}
	var offline []string
	for _, in := range out {
		if in.PingStatus != "Online" {
			offline = append(offline, in.ID+" is "+in.PingStatus)
		}
	}
	if len(offline) > 0 {
		return nil, fmt.Errorf("%w: %s; nothing was sent", ssmrun.ErrOffline, strings.Join(offline, ", "))
	}
	slices.SortFunc(out, func(a, b ssmrun.Instance) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Invoke runs each host's own rendering of script with "bash -s", one host
// after the other (SSM's MaxConcurrency 1), and sends no more after a
// failure (MaxErrors 0). A host's output is cut to SSM's StdoutLimit, from
// the start, as GetCommandInvocation cuts it.
func (f *Fleet) Invoke(ctx context.Context, instanceIDs []string, script string) (string, []ssmrun.Invocation, error) {
	f.mu.Lock()
	own, ok := f.scripts[script]
	f.mu.Unlock()
	if !ok {
		return "", nil, fmt.Errorf("the local fleet was sent a script it did not render (use Fleet.Render); nothing ran")
	}
	cmdID := commandID()
	var invs []ssmrun.Invocation
	failed := false
	for _, id := range instanceIDs {
		inv := ssmrun.Invocation{InstanceID: id, CommandID: cmdID}
		hostScript, ok := own[id]
		switch {
		case failed:
			inv.Status, inv.StatusDetails = "Cancelled", "not sent after MaxErrors"
		case !ok:
			inv.Status, inv.StatusDetails = "Failed", "no script rendered for this host"
			failed = true
		default:
			inv.Stdout, inv.Status = f.run(ctx, id, hostScript)
			inv.StatusDetails = inv.Status
			failed = inv.Status != "Success"
		}
		invs = append(invs, inv)
	}
	return cmdID, invs, ctx.Err()
}

// run runs script on the host named id and returns its output and SSM's
// status for it.
func (f *Fleet) run(ctx context.Context, id, script string) (string, string) {
	if f.Log != nil {
		fmt.Fprintf(f.Log, "=== %s\n", id)
	}
	out, err := runScript(ctx, script, f.Log)
	status := "Success"
	if err != nil {
		status = "Failed"
	}
	if len(out) > ssmrun.StdoutLimit {
		out = out[:ssmrun.StdoutLimit]
	}
	return out, status
}

func (f *Fleet) host(id string) *Host {
	for _, h := range f.hosts {
		if h.ID() == id {
			return h
		}
	}
	return nil
}

func commandID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
