package localflow

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gangway-dev/gangway/ci/localworld/simhost"
)

// pendingFile records a run that stopped for the approval, beside the kept
// world it deployed test in.
const pendingFile = "waiting-for-approval.json"

// pending is a run waiting for the approval: its report so far (the
// digest, the stored prod plan) and the commit it planned from.
type pending struct {
	Since  time.Time `json:"since"`
	Report *Report   `json:"report"`
	Commit string    `json:"commit"`
}

// readPending returns the run waiting for approval in dir, nil when none
// is, or an error when its record cannot be read.
func readPending(dir string) (*pending, error) {
	data, err := os.ReadFile(filepath.Join(dir, pendingFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var p pending
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%s is not a run waiting for approval: %w", pendingFile, err)
	}
	if p.Report == nil {
		return nil, fmt.Errorf("%s is not a run waiting for approval: it holds no report", pendingFile)
	}
	return &p, nil
}

func writePending(dir string, p pending) error {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, pendingFile), data, 0o644)
}

func removePending(dir string) error {
	err := os.Remove(filepath.Join(dir, pendingFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// WorldStatus is what a kept world runs (pipeline-local --status).
type WorldStatus struct {
	Dir string `json:"dir"`
	// Kept is false when no world is recorded in Dir.
	Kept bool `json:"kept"`
	Runs int  `json:"runs,omitempty"`
	// Hosts maps an environment to its service address and the image it
	// serves ("" for none).
	Hosts map[string]HostStatus `json:"hosts,omitempty"`
	// Waiting is the run waiting for the approval, if any.
	Waiting *WaitingStatus `json:"waiting,omitempty"`
}

// HostStatus is one simulated host of a kept world.
type HostStatus struct {
	URL   string `json:"url"`
	Image string `json:"image"`
}

// WaitingStatus is a run stopped at the approval.
type WaitingStatus struct {
	Since      time.Time `json:"since"`
	Version    string    `json:"version"`
	Image      string    `json:"image"`
	Plan       string    `json:"plan"`
	PlanSHA256 string    `json:"plan_sha256"`
}

// Status reads what the world kept in dir (default root/.local) runs,
// without starting or changing anything.
func Status(root, dir string) (WorldStatus, error) {
	if dir == "" {
		dir = filepath.Join(root, ".local")
	}
	st := WorldStatus{Dir: dir}
	s, err := readWorldState(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("reading the kept world in %s: %w", dir, err)
	}
	st.Kept, st.Runs, st.Hosts = s.Kept, s.Runs, map[string]HostStatus{}
	for env, states := range s.Hosts {
		var hosts []*simhost.Host
		for _, hs := range states {
			hosts = append(hosts, simhost.Attach(hs))
		}
		st.Hosts[env] = HostStatus{URL: s.LoadBalancers[env].URL, Image: servingImage(hosts)}
	}
	p, err := readPending(dir)
	if err != nil {
		return st, err
	}
	if p != nil {
		w := &WaitingStatus{Since: p.Since, Version: p.Report.Version, Image: p.Report.TestImage}
		if pp := p.Report.ProdPlan; pp != nil {
			w.Plan, w.PlanSHA256 = pp.Summary.Headline(), pp.BundleSHA256
		}
		st.Waiting = w
	}
	return st, nil
}
