package tf

import (
	"bytes"
	"errors"
	"sort"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
)

// summarizeShown counts a plan as `terraform show -json` describes it: the
// oracle the streamed summary is held to (TestPlanSummaryMatchesShow).
// (It reads a plan's resource and output changes. A replacement counts
// once in Replace (not also in Add and Destroy); reads and no-ops are left out.
func summarizeShown(p *tfjson.Plan) Summary {
	s := Summary{Resources: []ResourceChange{}, OutputsChanged: []string{}}
	for _, rc := range p.ResourceChanges {
		if rc == nil || rc.Change == nil {
			continue
		}
		a := rc.Change.Actions
		var action string
		switch {
		case a.Replace():
			action = ActionReplace
			s.Replace++
		case a.Create():
			action = ActionCreate
			s.Add++
		case a.Update():
			action = ActionUpdate
			s.Change++
		case a.Delete():
			action = ActionDelete
			s.Destroy++
		case a.Forget():
			action = ActionForget
		default: // no-op, read
			continue
		}
		s.Resources = append(s.Resources, ResourceChange{Address: rc.Address, Action: action})
	}
	sort.Slice(s.Resources, func(i, j int) bool { return s.Resources[i].Address < s.Resources[j].Address })
	for name, oc := range p.OutputChanges {
		if oc != nil && !oc.Actions.NoOp() {
			s.OutputsChanged = append(s.OutputsChanged, name)
		}
	}
	sort.Strings(s.OutputsChanged)
	s.NoChanges = len(s.Resources) == 0 && len(s.OutputsChanged) == 0
	return s
}

// A recorded `terraform plan -json` stream (terraform 1.11, trimmed).
const planStreamFixture = `{"@level":"info","@message":"Terraform 1.11.4","@module":"terraform.ui","type":"version","terraform":"1.11.4","ui":"1.2"}
{"@level":"info","@message":"aws_s3_bucket.data: Plan to create","type":"planned_change","change":{"resource":{"addr":"aws_s3_bucket.data","resource_type":"aws_s3_bucket"},"action":"create"}}
{"@level":"info","@message":"aws_ssm_parameter.marker: Plan to update","type":"planned_change","change":{"resource":{"addr":"aws_ssm_parameter.marker"},"action":"update"}}
{"@level":"info","@message":"aws_instance.app: Plan to replace","type":"planned_change","change":{"resource":{"addr":"aws_instance.app"},"action":"replace","reason":"cannot_update"}}
{"@level":"info","@message":"aws_iam_role.old: Plan to delete","type":"planned_change","change":{"resource":{"addr":"aws_iam_role.old"},"action":"delete"}}
{"@level":"info","@message":"data.aws_ami.al2023: Plan to read","type":"planned_change","change":{"resource":{"addr":"data.aws_ami.al2023"},"action":"read"}}
{"@level":"info","@message":"aws_vpc.main: Plan to move","type":"planned_change","change":{"resource":{"addr":"aws_vpc.main"},"previous_resource":{"addr":"aws_vpc.old"},"action":"move"}}
{"@level":"info","@message":"module.net.aws_subnet.a[0]: Plan to replace","type":"planned_change","change":{"resource":{"addr":"module.net.aws_subnet.a[0]"},"action":"replace"}}
{"@level":"info","@message":"Plan: 2 to add, 1 to change, 3 to destroy.","type":"change_summary","changes":{"add":2,"change":1,"import":0,"remove":3,"operation":"plan"}}
{"@level":"info","@message":"Outputs: 2","type":"outputs","outputs":{"app_url":{"sensitive":false,"action":"update"},"region":{"sensitive":false,"action":"noop"}}}
`

func TestPlanStreamSummary(t *testing.T) {
	t.Parallel()
	var log bytes.Buffer
	s := newPlanStream(&log)
	// Written in uneven pieces, as a pipe delivers it.
	for rest := planStreamFixture; rest != ""; {
		n := min(37, len(rest))
		if _, err := s.Write([]byte(rest[:n])); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	got := s.summary()
	want := Summary{
		Add: 1, Change: 1, Destroy: 1, Replace: 2,
		Resources: []ResourceChange{
			{"aws_iam_role.old", ActionDelete},
			{"aws_instance.app", ActionReplace},
			{"aws_s3_bucket.data", ActionCreate},
			{"aws_ssm_parameter.marker", ActionUpdate},
			{"module.net.aws_subnet.a[0]", ActionReplace},
		},
		OutputsChanged: []string{"app_url"},
	}
	if got.Headline() != want.Headline() || len(got.Resources) != len(want.Resources) || strings.Join(got.OutputsChanged, ",") != "app_url" {
		t.Fatalf("summary =\n%+v\nwant\n%+v", got, want)
	}
	for i := range want.Resources {
		if got.Resources[i] != want.Resources[i] {
			t.Errorf("resource %d = %+v, want %+v", i, got.Resources[i], want.Resources[i])
		}
	}
	for _, line := range []string{"aws_instance.app: Plan to replace\n", "Plan: 2 to add, 1 to change, 3 to destroy.\n"} {
		if !strings.Contains(log.String(), line) {
			t.Errorf("log lacks %q:\n%s", line, log.String())
		}
	}
	if strings.Contains(log.String(), "{") || strings.Contains(log.String(), "Terraform 1.11.4") {
		t.Errorf("log holds JSON or the version line:\n%s", log.String())
	}
	wantMD := "### Terraform plan for `test`\n\n" +
		"**1 to add, 1 to change, 1 to destroy, 2 to replace.**\n\n" +
		"> [!CAUTION]\n> **Destroys** `aws_iam_role.old`.\n\n" +
		"> [!WARNING]\n> **Replaces** (destroys, then creates) `aws_instance.app`, `module.net.aws_subnet.a[0]`.\n\n" +
		"| action | resource |\n| --- | --- |\n" +
		"| delete | `aws_iam_role.old` |\n" +
		"| replace | `aws_instance.app` |\n" +
		"| create | `aws_s3_bucket.data` |\n" +
		"| update | `aws_ssm_parameter.marker` |\n" +
		"| replace | `module.net.aws_subnet.a[0]` |\n" +
		"\nOutputs changed: `app_url`\n"
	if md := got.Markdown("test"); md != wantMD {
		t.Errorf("Markdown =\n%s\nwant\n%s", md, wantMD)
	}
}

func TestPlanStreamNoChanges(t *testing.T) {
	t.Parallel()
	s := newPlanStream(&bytes.Buffer{})
	_, _ = s.Write([]byte(`{"@message":"aws_vpc.main: Plan to read","type":"planned_change","change":{"resource":{"addr":"data.x.y"},"action":"read"}}` + "\n" +
		`{"@message":"Outputs: 1","type":"outputs","outputs":{"region":{"action":"noop"}}}` + "\n"))
	got := s.summary()
	if !got.NoChanges || got.Headline() != "No changes" {
		t.Errorf("summary = %+v, want no changes", got)
	}
	want := "### Terraform plan for `prod`\n\n**No changes.** The infrastructure matches the configuration.\n"
	if md := got.Markdown("prod"); md != want {
		t.Errorf("Markdown = %q, want %q", md, want)
	}
}

// TestPlanStreamDiagnostics: with -json terraform reports errors on stdout;
// they reach the error (where the lock and provider parsers read them) and
// the log.
func TestPlanStreamDiagnostics(t *testing.T) {
	t.Parallel()
	var log bytes.Buffer
	s := newPlanStream(&log)
	_, _ = s.Write([]byte(`{"@level":"error","@message":"Error: Error acquiring the state lock","type":"diagnostic","diagnostic":{"severity":"error","summary":"Error acquiring the state lock","detail":"Lock Info:\n  ID:        abc"}}` + "\n" +
		`{"@level":"warn","@message":"Warning: deprecated","type":"diagnostic","diagnostic":{"severity":"warning","summary":"deprecated"}}` + "\n" +
		"not json at all\n"))
	err := s.withDiagnostics(errors.New("exit status 1"))
	if !strings.Contains(err.Error(), "Error acquiring the state lock\n\nLock Info:\n  ID:        abc") || strings.Contains(err.Error(), "deprecated") {
		t.Errorf("error = %q", err)
	}
	if !strings.Contains(log.String(), "not json at all\n") || !strings.Contains(log.String(), "Warning: deprecated") {
		t.Errorf("log = %q", log.String())
	}
	if s.withDiagnostics(nil) != nil {
		t.Error("no error became an error")
	}
}
