package gitlabci

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// path is where the pipeline lives, relative to the repository root.
const path = "ci/gitlab/.gitlab-ci.yml"

// Pipeline is the part of a .gitlab-ci.yml the gates look at, with every
// job resolved (extends and default merged in).
type Pipeline struct {
	// Raw is the file's text.
	Raw       string
	Workflow  Workflow
	Stages    []string
	Variables map[string]string
	// Jobs holds the visible jobs by name (hidden ones, ".name", are
	// templates and never run).
	Jobs map[string]*Job
	// Unsupported lists what the file uses that this reading does not
	// model; the gates refuse a file that has any.
	Unsupported []string
}

// Workflow is the top-level workflow: block.
type Workflow struct {
	Rules []Rule `yaml:"rules"`
}

// Rule is one entry of rules:.
type Rule struct {
	If           string `yaml:"if"`
	When         string `yaml:"when"`
	AllowFailure any    `yaml:"allow_failure"`
	Changes      any    `yaml:"changes"`
	Exists       any    `yaml:"exists"`
	Variables    any    `yaml:"variables"`
}

// Need is one entry of needs:, in its long form.
type Need struct {
	Job       string `yaml:"job"`
	Project   string `yaml:"project"`
	Ref       string `yaml:"ref"`
	Pipeline  string `yaml:"pipeline"`
	Artifacts *bool  `yaml:"artifacts"`
	Optional  bool   `yaml:"optional"`
}

// Environment is a job's environment:, in its long form.
type Environment struct {
	Name           string `yaml:"name"`
	Action         string `yaml:"action"`
	DeploymentTier string `yaml:"deployment_tier"`
	URL            string `yaml:"url"`
}

// Artifacts is a job's artifacts: block.
type Artifacts struct {
	When      string         `yaml:"when"`
	Paths     []string       `yaml:"paths"`
	Exclude   []string       `yaml:"exclude"`
	Untracked bool           `yaml:"untracked"`
	ExposeAs  string         `yaml:"expose_as"`
	ExpireIn  string         `yaml:"expire_in"`
	Reports   map[string]any `yaml:"reports"`
}

// IDToken is one entry of id_tokens:.
type IDToken struct {
	Aud any `yaml:"aud"`
}

// Job is one resolved job.
type Job struct {
	Name          string             `yaml:"-"`
	Stage         string             `yaml:"stage"`
	Image         any                `yaml:"image"`
	Services      []any              `yaml:"services"`
	Rules         []Rule             `yaml:"rules"`
	When          string             `yaml:"when"`
	AllowFailure  any                `yaml:"allow_failure"`
	Needs         []Need             `yaml:"-"`
	RawNeeds      []any              `yaml:"needs"`
	Dependencies  []string           `yaml:"dependencies"`
	Environment   *Environment       `yaml:"-"`
	RawEnv        any                `yaml:"environment"`
	ResourceGroup string             `yaml:"resource_group"`
	Interruptible *bool              `yaml:"interruptible"`
	IDTokens      map[string]IDToken `yaml:"id_tokens"`
	Secrets       any                `yaml:"secrets"`
	Variables     map[string]any     `yaml:"variables"`
	BeforeScript  []string           `yaml:"-"`
	Script        []string           `yaml:"-"`
	AfterScript   []string           `yaml:"-"`
	Artifacts     *Artifacts         `yaml:"artifacts"`
	Cache         any                `yaml:"cache"`
	Trigger       any                `yaml:"trigger"`
	Only          any                `yaml:"only"`
	Except        any                `yaml:"except"`
}

// Scripts is before_script, script and after_script in the order they run.
func (j *Job) Scripts() []string {
	return slices.Concat(j.BeforeScript, j.Script, j.AfterScript)
}

// Top-level keys that are not jobs.
var reserved = map[string]bool{
	"default": true, "include": true, "stages": true, "variables": true, "workflow": true,
	"image": true, "services": true, "cache": true, "before_script": true, "after_script": true, "types": true, "spec": true,
}

// Keys default: passes to a job that lacks them (GitLab's list).
var defaultKeys = []string{"after_script", "artifacts", "before_script", "cache", "hooks", "id_tokens", "image", "interruptible", "retry", "services", "tags", "timeout"}

// parse reads a pipeline's contents and resolves its jobs.
func parse(data []byte) (*Pipeline, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	p := &Pipeline{Raw: string(data), Jobs: map[string]*Job{}}
	walkTags(&root, func(tag string) {
		p.Unsupported = append(p.Unsupported, "the tag "+tag+" (write the value out: the gates read the file as it stands)")
	})
	var top map[string]any
	if err := root.Decode(&top); err != nil {
		return nil, err
	}
	if _, ok := top["include"]; ok {
		p.Unsupported = append(p.Unsupported, "include: (another file could add or change jobs the gates never see: keep the whole pipeline in this file)")
	}
	if err := remarshal(top["workflow"], &p.Workflow); err != nil {
		return nil, fmt.Errorf("workflow: %w", err)
	}
	if err := remarshal(top["stages"], &p.Stages); err != nil {
		return nil, fmt.Errorf("stages: %w", err)
	}
	p.Variables = map[string]string{}
	if vars, ok := top["variables"].(map[string]any); ok {
		for k, v := range vars {
			if m, ok := v.(map[string]any); ok {
				v = m["value"]
			}
			p.Variables[k] = fmt.Sprint(v)
		}
	}
	defaults, _ := top["default"].(map[string]any)
	if defaults == nil {
		defaults = map[string]any{}
	}
	for _, k := range []string{"image", "services", "cache", "before_script", "after_script"} {
		if v, ok := top[k]; ok {
			if _, set := defaults[k]; !set {
				defaults[k] = v // the deprecated global form of default:
			}
		}
	}
	names := make([]string, 0, len(top))
	for name := range top {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if reserved[name] || strings.HasPrefix(name, ".") {
			continue
		}
		resolved, err := resolve(top, name, nil)
		if err != nil {
			return nil, err
		}
		if _, ok := resolved["inherit"]; ok {
			p.Unsupported = append(p.Unsupported, "inherit: in job "+name)
		}
		for _, k := range defaultKeys {
			if _, ok := resolved[k]; !ok {
				if v, ok := defaults[k]; ok {
					resolved[k] = v
				}
			}
		}
		j, err := decodeJob(name, resolved)
		if err != nil {
			return nil, fmt.Errorf("job %s: %w", name, err)
		}
		p.Jobs[name] = j
	}
	return p, nil
}

// walkTags calls fn for every explicit tag GitLab gives a meaning that a
// plain YAML reading would miss (!reference).
func walkTags(n *yaml.Node, fn func(string)) {
	if n.Tag != "" && !strings.HasPrefix(n.Tag, "!!") {
		fn(n.Tag)
	}
	for _, c := range n.Content {
		walkTags(c, fn)
	}
}

// resolve returns job name with its extends merged in: each parent in the
// order listed (itself resolved first), then the job's own keys; mappings
// merge key by key, anything else is replaced, as GitLab does.
func resolve(top map[string]any, name string, seen []string) (map[string]any, error) {
	if slices.Contains(seen, name) {
		return nil, fmt.Errorf("extends loops: %s", strings.Join(append(seen, name), " → "))
	}
	raw, ok := top[name].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("job %s is not a mapping", name)
	}
	var parents []string
	switch e := raw["extends"].(type) {
	case nil:
	case string:
		parents = []string{e}
	case []any:
		for _, x := range e {
			parents = append(parents, fmt.Sprint(x))
		}
	default:
		return nil, fmt.Errorf("job %s: extends must name jobs", name)
	}
	out := map[string]any{}
	for _, parent := range parents {
		if _, ok := top[parent]; !ok {
			return nil, fmt.Errorf("job %s extends %s, which does not exist", name, parent)
		}
		m, err := resolve(top, parent, append(seen, name))
		if err != nil {
			return nil, err
		}
		out = merge(out, m)
	}
	own := map[string]any{}
	for k, v := range raw {
		if k != "extends" {
			own[k] = v
		}
	}
	return merge(out, own), nil
}

// merge returns base with over merged in (deeply for mappings).
func merge(base, over map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		if bm, ok := out[k].(map[string]any); ok {
			if om, ok := v.(map[string]any); ok {
				out[k] = merge(bm, om)
				continue
			}
		}
		out[k] = v
	}
	return out
}

func remarshal(in, out any) error {
	if in == nil {
		return nil
	}
	data, err := yaml.Marshal(in)
	if err != nil {
		return err
	}
	return yaml.Unmarshal(data, out)
}

func decodeJob(name string, m map[string]any) (*Job, error) {
	j := &Job{Name: name}
	if err := remarshal(m, j); err != nil {
		return nil, err
	}
	for key, dst := range map[string]*[]string{"before_script": &j.BeforeScript, "script": &j.Script, "after_script": &j.AfterScript} {
		lines, err := scriptLines(m[key])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		*dst = lines
	}
	for _, n := range j.RawNeeds {
		switch n := n.(type) {
		case string:
			j.Needs = append(j.Needs, Need{Job: n})
		case map[string]any:
			var need Need
			if err := remarshal(n, &need); err != nil {
				return nil, fmt.Errorf("needs: %w", err)
			}
			j.Needs = append(j.Needs, need)
		default:
			return nil, fmt.Errorf("needs: unexpected %v", n)
		}
	}
	switch e := j.RawEnv.(type) {
	case nil:
	case string:
		j.Environment = &Environment{Name: e}
	case map[string]any:
		j.Environment = &Environment{}
		if err := remarshal(e, j.Environment); err != nil {
			return nil, fmt.Errorf("environment: %w", err)
		}
	default:
		return nil, fmt.Errorf("environment: unexpected %v", e)
	}
	return j, nil
}

// scriptLines flattens a script: a string, or a list whose items are
// strings or lists of strings (GitLab flattens one level of nesting).
func scriptLines(v any) ([]string, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		return []string{v}, nil
	case []any:
		var out []string
		for _, x := range v {
			switch x := x.(type) {
			case string:
				out = append(out, x)
			case []any:
				for _, y := range x {
					s, ok := y.(string)
					if !ok {
						return nil, fmt.Errorf("unexpected script line %v", y)
					}
					out = append(out, s)
				}
			default:
				return nil, fmt.Errorf("unexpected script line %v", x)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected script %v", v)
}
