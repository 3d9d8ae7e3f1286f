package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/gangway-dev/gangway/ci/history"
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
}

// statusCommand reads only. What each host serves is not asked yet (that
// needs a command sent to every host over SSM); the last deploy record
// says what the pipeline last rolled out and with what result.
func statusCommand() command {
	return command{
		name:    "status",
		summary: "where the environment stands: its terraform outputs, its last deploy and the hosts SSM manages for it (reads only)",
		setup: func(fs *flag.FlagSet) func(context.Context, IO) error {
			var f tfFlags
			f.register(fs)
			return func(ctx context.Context, io IO) error {
				r, sess, err := f.runner(ctx, io)
				if err != nil {
					return err
				}
				outs, err := r.Outputs(ctx)
				if err != nil {
					return tfFailure(io, f.env, err)
				}
				st := envStatus{Env: f.env, Outputs: outs, Hosts: []hostStatus{}}

				// The hosts: listed, never judged here (an offline host is
				// shown as such); a failure to list them is reported in the
				// result, not as the command's failure.
				runner, err := ssmrun.New(ssm.NewFromConfig(sess.cfg))
				if err != nil {
					return err
				}
				instances, err := runner.Describe(ctx, ssmrun.Targets{Tags: map[string]string{"Environment": f.env, "App": appTag}})
				if err != nil {
					st.HostsError = err.Error()
					io.Log.Warn("the hosts could not be listed", "error", err)
				}
				for _, in := range instances {
					st.Hosts = append(st.Hosts, hostStatus{InstanceID: in.ID, PingStatus: in.PingStatus, Platform: in.Platform})
				}

				store, err := historyStore(io, sess, f.stateBucket)
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
				if err := writeJSON(io.Stdout, st); err != nil {
					return err
				}
				fmt.Fprintf(io.Stderr, "%s: %s (%d host(s) listed by SSM)\n", f.env, outs.AppURL, len(st.Hosts))
				if st.LastDeploy == nil {
					return errNeverDeployed(f.env, histErr)
				}
				d := st.LastDeploy
				fmt.Fprintf(io.Stderr, "last deploy: %s of %s by %s at %s, %s\n", d.Kind, d.Image, d.Actor, d.Started.Format("2006-01-02 15:04:05 UTC"), d.Result)
				return nil
			}
		},
	}
}
