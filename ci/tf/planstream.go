package tf

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

// planStream reads `terraform plan -json` as it runs: the summary from its
// planned_change and outputs messages, the error diagnostics of a failure,
// and each message's human text for the log. It replaces a second pass
// with `terraform show -json`, whose provider schema load cost as much as
// the plan itself.
type planStream struct {
	mu      sync.Mutex
	log     io.Writer
	partial []byte
	changes map[string]string // address -> action ("" for left out)
	outputs map[string]bool   // output name -> changed
	errors  []string
}

func newPlanStream(log io.Writer) *planStream {
	return &planStream{log: log, changes: map[string]string{}, outputs: map[string]bool{}}
}

// streamMessage is the part of a machine-readable UI message the stream
// reads (terraform's internal/command/views/json).
type streamMessage struct {
	Message string `json:"@message"`
	Type    string `json:"type"`
	Change  struct {
		Resource struct {
			Addr string `json:"addr"`
		} `json:"resource"`
		Action string `json:"action"`
	} `json:"change"`
	Outputs    map[string]struct{ Action string } `json:"outputs"`
	Diagnostic *struct {
		Severity string `json:"severity"`
		Summary  string `json:"summary"`
		Detail   string `json:"detail"`
	} `json:"diagnostic"`
}

func (p *planStream) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.partial = append(p.partial, b...)
	for {
		i := bytes.IndexByte(p.partial, '\n')
		if i < 0 {
			return len(b), nil
		}
		p.line(p.partial[:i])
		p.partial = p.partial[i+1:]
	}
}

func (p *planStream) line(raw []byte) {
	var m streamMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		fmt.Fprintf(p.log, "%s\n", raw) // not a message: pass it on as is
		return
	}
	if m.Message != "" && m.Type != "version" {
		fmt.Fprintf(p.log, "%s\n", m.Message)
	}
	switch m.Type {
	case "planned_change":
		p.changes[m.Change.Resource.Addr] = summaryAction(m.Change.Action)
	case "outputs":
		for name, o := range m.Outputs {
			p.outputs[name] = o.Action != "" && o.Action != "noop"
		}
	case "diagnostic":
		if d := m.Diagnostic; d != nil && d.Severity == "error" {
			text := "Error: " + d.Summary
			if d.Detail != "" {
				text += "\n\n" + d.Detail
			}
			p.errors = append(p.errors, text)
			fmt.Fprintf(p.log, "%s\n", text)
		}
	}
}

// summaryAction maps a planned_change action to a Summary action; reads,
// moves and imports alone are left out, as Summarize leaves them out.
func summaryAction(a string) string {
	switch a {
	case "create":
		return ActionCreate
	case "update":
		return ActionUpdate
	case "delete":
		return ActionDelete
	case "replace":
		return ActionReplace
	case "remove":
		return ActionForget
	}
	return ""
}

// summary is what the stream saw, counted as Summarize counts a shown plan.
func (p *planStream) summary() Summary {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := Summary{Resources: []ResourceChange{}, OutputsChanged: []string{}}
	for addr, action := range p.changes {
		switch action {
		case "":
			continue
		case ActionCreate:
			s.Add++
		case ActionUpdate:
			s.Change++
		case ActionDelete:
			s.Destroy++
		case ActionReplace:
			s.Replace++
		}
		s.Resources = append(s.Resources, ResourceChange{Address: addr, Action: action})
	}
	sort.Slice(s.Resources, func(i, j int) bool { return s.Resources[i].Address < s.Resources[j].Address })
	for name, changed := range p.outputs {
		if changed {
			s.OutputsChanged = append(s.OutputsChanged, name)
		}
	}
	sort.Strings(s.OutputsChanged)
	s.NoChanges = len(s.Resources) == 0 && len(s.OutputsChanged) == 0
	return s
}

// withDiagnostics adds the stream's error diagnostics to err: with -json,
// terraform reports them on stdout, not in the stderr that err carries.
func (p *planStream) withDiagnostics(err error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err == nil || len(p.errors) == 0 {
		return err
	}
	return fmt.Errorf("%w\n%s", err, strings.Join(p.errors, "\n"))
}

// planFileState reads the identity of the state snapshot a plan was made
// on from the plan file itself: terraform records that snapshot's lineage
// and serial in the plan (its "tfstate" entry) and checks them again when
// the plan is applied. No second state read, and no window between reading
// the state and planning.
func planFileState(planFile string) (State, error) {
	zr, err := zip.OpenReader(planFile)
	if err != nil {
		return State{}, fmt.Errorf("reading the plan file: %w", err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name != "tfstate" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return State{}, fmt.Errorf("reading the plan's state snapshot: %w", err)
		}
		raw, err := io.ReadAll(io.LimitReader(rc, 512<<20))
		rc.Close()
		if err != nil {
			return State{}, fmt.Errorf("reading the plan's state snapshot: %w", err)
		}
		return parseState(raw)
	}
	return State{}, fmt.Errorf("%s holds no state snapshot (tfstate): not a plan file of a supported terraform", planFile)
}
