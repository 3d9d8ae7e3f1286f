package ssmrun

import "github.com/gangway-dev/gangway/ci/rollout"

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
func NewReport(env string, mode rollout.Mode, image string, hosts []HostResult, err error) Report {
	r := Report{Env: env, Mode: string(mode), Image: image, Status: Overall(hosts, err), Hosts: hosts}
	if r.Hosts == nil {
		r.Hosts = []HostResult{}
	}
	if err != nil {
		r.Error = err.Error()
	}
	return r
}

// OK reports whether the run succeeded on every host.
func (r Report) OK() bool {
	return r.Status == rollout.StatusDeployed || r.Status == rollout.StatusUnchanged
}

// Overall is "unchanged" when every host already served the image,
// "deployed" when all succeeded and at least one changed, else "failed".
func Overall(hosts []HostResult, err error) string {
	if err != nil || len(hosts) == 0 {
		return rollout.StatusFailed
	}
	status := rollout.StatusUnchanged
	for _, h := range hosts {
		if h.Result == nil || !h.Result.OK() {
			return rollout.StatusFailed
		}
		if h.Result.Status == rollout.StatusDeployed {
			status = rollout.StatusDeployed
		}
	}
	return status
}
