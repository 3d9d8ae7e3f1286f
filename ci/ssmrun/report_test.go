package ssmrun

import (
	"errors"
	"testing"
	"time"

	"github.com/gangway-dev/gangway/ci/history"
	"github.com/gangway-dev/gangway/ci/hostresult"
)

func TestReportRecord(t *testing.T) {
	t.Parallel()
	o := history.Origin{Actor: "octocat", Commit: "abc", RunURL: "https://ci/1"}
	started := time.Now().Add(-3 * time.Second)
	host := HostResult{InstanceID: "i-1", Result: &hostresult.Result{Status: hostresult.StatusDeployed, Image: "r.example.com/gangway-test@sha256:aa"}}
	cases := []struct {
		name              string
		kind              hostresult.Mode
		rep               Report
		wantKind, wantImg string
		wantResult        string
		wantHosts         int
	}{
		{"rollout", hostresult.ModeDeploy, NewReport("test", hostresult.ModeDeploy, "r.example.com/gangway-test@sha256:bb", []HostResult{host}, nil),
			"rollout", "r.example.com/gangway-test@sha256:bb", hostresult.StatusDeployed, 1},
		{"plain rollback: the image the hosts report", hostresult.ModeRollback, NewReport("test", hostresult.ModeRollback, "", []HostResult{host}, nil),
			"rollback", "r.example.com/gangway-test@sha256:aa", hostresult.StatusDeployed, 1},
		{"failed before any host", hostresult.ModeDeploy, NewReport("prod", hostresult.ModeDeploy, "r.example.com/gangway-prod@sha256:cc", nil, errors.New("offline")),
			"rollout", "r.example.com/gangway-prod@sha256:cc", hostresult.StatusFailed, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := c.rep.Record(c.kind, o, started)
			if r.Kind != c.wantKind || r.Image != c.wantImg || r.Result != c.wantResult || r.Hosts != c.wantHosts ||
				r.Env != c.rep.Env || r.Actor != "octocat" || r.Commit != "abc" || r.RunURL != "https://ci/1" || r.Error != c.rep.Error {
				t.Errorf("Record = %+v", r)
			}
			if r.Seconds < 3 || !r.Finished.After(r.Started) {
				t.Errorf("Record timing: started %s, finished %s, %.1fs", r.Started, r.Finished, r.Seconds)
			}
		})
	}
}
