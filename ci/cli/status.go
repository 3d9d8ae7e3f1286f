package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/gangway-dev/gangway/ci/history"
	"github.com/gangway-dev/gangway/ci/hostresult"
	"github.com/gangway-dev/gangway/ci/rollout"
	"github.com/gangway-dev/gangway/ci/ssmrun"
	"github.com/gangway-dev/gangway/ci/tf"
)

// envStatus is what `pipeline status` prints.
type envStatus struct {
	Env string `json:"env"`
	// Outputs is the terraform outputs contract.
	Outputs tf.Outputs `json:"outputs"`
	// LastDeploy is the newest deploy record, null when there is none.
	LastDeploy *history.Record `json:"last_deploy"`
	// Hosts are the instances SSM manages for the environment (tags
	// Environment=<env>, App=gangway), online or not.
	Hosts []hostStatus `json:"hosts"`
	// HostsError says why the hosts could not be listed.
	HostsError string `json:"hosts_error,omitempty"`
}

type hostStatus struct {
	InstanceID string `json:"instance_id"`
	PingStatus string `json:"ping_status"`
	Platform   string `json:"platform,omitempty"`
	// State is what the host's last rollout recorded (image, slot,
	// previous image), asked over SSM; null when it was not asked or did
	// not answer (Error says why).
	State *rollout.HostState `json:"state"`
	Error string             `json:"error,omitempty"`
}

// statusCommand reads only: the one command it may send, to each online
// host over SSM, is the read-only state script (rollout.StateScript).
func statusCommand() command {
	return command{
		name:    "status",
		summary: "where the environment stands: its terraform outputs, its last deploy, and each host SSM manages with the image it serves (reads only)",
		flags:   func() commandFlags { return &statusFlags{} },
	}
}

// statusFlags are status's flags.
type statusFlags struct {
	tfFlags
	askHosts bool
}

func (f *statusFlags) register(fs *flag.FlagSet) {
	f.tfFlags.register(fs)
	fs.BoolVar(&f.askHosts, "ask-hosts", true, "ask each online host over SSM what its last rollout recorded (a read-only command); false only lists the hosts")
}

func (f *statusFlags) run(ctx context.Context, sys IO) error {
	outs, sess, err := f.outputs(ctx, sys)
	if err != nil {
		return err
	}
	st := envStatus{Env: f.env, Outputs: outs, Hosts: []hostStatus{}}

	// The hosts: listed, never judged here (an offline host is shown as
	// such); a failure to list them is reported in the result, not as the
	// command's failure.
	runner, err := ssmrun.New(ssm.NewFromConfig(sess.cfg),
		ssmrun.WithDeliveryTimeout(time.Minute), ssmrun.WithExecutionTimeout(time.Minute),
		ssmrun.WithComment("gangway status "+f.env), ssmrun.WithLogger(sys.Log))
	if err != nil {
		return err
	}
	instances, err := runner.Describe(ctx, ssmrun.Targets{Tags: map[string]string{"Environment": f.env, "App": appTag}})
	if err != nil {
		st.HostsError = err.Error()
		sys.Log.Warn("the hosts could not be listed", "error", err)
	}
	for _, in := range instances {
		st.Hosts = append(st.Hosts, hostStatus{InstanceID: in.ID, PingStatus: in.PingStatus, Platform: in.Platform})
	}
	if f.askHosts {
		askStates(ctx, sys, runner, st.Hosts)
	}

	store, err := historyStore(sys, sess, f.stateBucket)
	if err != nil {
		return err
	}
	last, histErr := store.List(ctx, f.env, 1)
	if histErr != nil && !errors.Is(histErr, history.ErrNoHistory) {
		return fmt.Errorf("reading the deploy history of %s: %w", f.env, histErr)
	}
	if len(last) > 0 {
		st.LastDeploy = &last[0]
	}
	if err := writeJSON(sys.Stdout, st); err != nil {
		return err
	}
	fmt.Fprintf(sys.Stderr, "%s: %s (%d host(s) listed by SSM)\n", f.env, outs.AppURL, len(st.Hosts))
	for _, h := range st.Hosts {
		switch {
		case h.State != nil && h.State.Image != "":
			fmt.Fprintf(sys.Stderr, "  %s %s: serves %s (slot %s)\n", h.InstanceID, h.PingStatus, h.State.Image, h.State.Slot)
		case h.State != nil:
			fmt.Fprintf(sys.Stderr, "  %s %s: no rollout recorded on the host\n", h.InstanceID, h.PingStatus)
		case h.Error != "":
			fmt.Fprintf(sys.Stderr, "  %s %s: %s\n", h.InstanceID, h.PingStatus, h.Error)
		default:
			fmt.Fprintf(sys.Stderr, "  %s %s\n", h.InstanceID, h.PingStatus)
		}
	}
	if st.LastDeploy == nil {
		return errNeverDeployed(f.env, histErr)
	}
	d := st.LastDeploy
	fmt.Fprintf(sys.Stderr, "last deploy: %s of %s by %s at %s, %s\n", d.Kind, d.Image, d.Actor, d.Started.Format("2006-01-02 15:04:05 UTC"), d.Result)
	return nil
}

// askStates sends the state script to the online hosts, at most 50 a
// command, and fills in each host's state or why there is none. Nothing
// here fails the command: a host that does not answer says so.
func askStates(ctx context.Context, sys IO, runner *ssmrun.Runner, hosts []hostStatus) {
	byID := map[string]*hostStatus{}
	var online []string
	for i := range hosts {
		h := &hosts[i]
		byID[h.InstanceID] = h
		if h.PingStatus == string(ssmtypes.PingStatusOnline) {
			online = append(online, h.InstanceID)
		} else {
			h.Error = "not asked: the SSM agent is " + h.PingStatus
		}
	}
	script := rollout.StateScript(rollout.HostDefaults(hostresult.ModeDeploy, "", "").StateDir)
	for ids := range slices.Chunk(online, ssmrun.MaxInstanceIDsPerCall) {
		_, invs, err := runner.Invoke(ctx, ids, script)
		for _, inv := range invs {
			h := byID[inv.InstanceID]
			if h == nil {
				continue
			}
			if inv.Status != "Success" {
				h.Error = fmt.Sprintf("the state command ended %s %s", inv.Status, inv.StatusDetails)
				continue
			}
			state, perr := rollout.ParseState(inv.Stdout)
			if perr != nil {
				h.Error = perr.Error()
				continue
			}
			h.State = &state
		}
		if err != nil {
			sys.Log.Warn("asking the hosts what they serve", "error", err)
			for _, id := range ids {
				if h := byID[id]; h.State == nil && h.Error == "" {
					h.Error = err.Error()
				}
			}
		}
	}
}
