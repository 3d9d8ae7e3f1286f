package ssmrun

import (
	"slices"
	"time"

	"github.com/gangway-dev/gangway/ci/history"
	"github.com/gangway-dev/gangway/ci/hostresult"
)

// Report is what `pipeline rollout` and `pipeline rollback` print: the
// outcome for the environment and for each host. `pipeline gha rollout`
// reads the same type.
type Report struct {
	Env   string `json:"env"`
	Mode  string `json:"mode"`
	Image string `json:"image,omitempty"`
	// Status is "deployed", "unchanged" (every host already served the
	// image) or "failed".
	Status string       `json:"status"`
	Hosts  []HostResult `json:"hosts"`
	Error  string       `json:"error,omitempty"`
}

// NewReport builds the report of a run from its host results and error.
func NewReport(env string, mode hostresult.Mode, image string, hosts []HostResult, err error) Report {
	r := Report{Env: env, Mode: string(mode), Image: image, Status: Overall(hosts, err), Hosts: slices.Clone(hosts)}
	if r.Hosts == nil {
		r.Hosts = []HostResult{}
	}
	for i, h := range r.Hosts {
		if h.Outcome == "" {
			r.Hosts[i].Outcome = outcome(h)
		}
	}
	if err != nil {
		r.Error = err.Error()
	}
	return r
}

// OK reports whether the run succeeded on every host.
func (r Report) OK() bool {
	return r.Status == hostresult.StatusDeployed || r.Status == hostresult.StatusUnchanged
}

// Overall is "unchanged" when every host already served the image,
// "deployed" when all succeeded and at least one changed, else "failed".
func Overall(hosts []HostResult, err error) string {
	if err != nil || len(hosts) == 0 {
		return hostresult.StatusFailed
	}
	status := hostresult.StatusUnchanged
	for _, h := range hosts {
		if h.Result == nil || !h.Result.OK() {
			return hostresult.StatusFailed
		}
		if h.Result.Status == hostresult.StatusDeployed {
			status = hostresult.StatusDeployed
		}
	}
	return status
}

// Record is the deploy record of this run, a rollout or rollback (kind)
// started at started and finished now. A plain rollback names the image
// the hosts reported.
func (r Report) Record(kind hostresult.Mode, o history.Origin, started time.Time) history.Record {
	finished := time.Now()
	image := r.Image
	for _, h := range r.Hosts {
		if image == "" && h.Result != nil {
			image = h.Result.Image
		}
	}
	name := "rollout"
	if kind == hostresult.ModeRollback {
		name = "rollback"
	}
	return history.Record{
		Env: r.Env, Kind: name, Actor: o.Actor, Image: image, Commit: o.Commit, RunURL: o.RunURL,
		Started: started.UTC(), Finished: finished.UTC(), Seconds: finished.Sub(started).Seconds(),
		Result: r.Status, Hosts: len(r.Hosts), Error: r.Error,
	}
}
