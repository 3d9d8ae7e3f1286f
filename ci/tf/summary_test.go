package tf

import (
	"encoding/json"
	"reflect"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
)

const planJSON = `{
 "format_version": "1.2",
 "resource_changes": [
  {"address": "aws_s3_bucket.data", "change": {"actions": ["create"]}},
  {"address": "aws_ssm_parameter.marker", "change": {"actions": ["update"]}},
  {"address": "aws_instance.app", "change": {"actions": ["delete", "create"]}},
  {"address": "aws_iam_role.old", "change": {"actions": ["delete"]}},
  {"address": "aws_vpc.main", "change": {"actions": ["no-op"]}},
  {"address": "data.aws_ami.al2023", "change": {"actions": ["read"]}},
  {"address": "module.net.aws_subnet.a[0]", "change": {"actions": ["create", "delete"]}}
 ],
 "output_changes": {
  "app_url": {"actions": ["update"]},
  "region": {"actions": ["no-op"]}
 }
}`

func TestSummarize(t *testing.T) {
	t.Parallel()
	var p tfjson.Plan
	if err := json.Unmarshal([]byte(planJSON), &p); err != nil {
		t.Fatal(err)
	}
	got := Summarize(&p)
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
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Summarize =\n%+v\nwant\n%+v", got, want)
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

func TestSummarizeNoChanges(t *testing.T) {
	t.Parallel()
	got := Summarize(&tfjson.Plan{ResourceChanges: []*tfjson.ResourceChange{
		{Address: "aws_vpc.main", Change: &tfjson.Change{Actions: tfjson.Actions{tfjson.ActionNoop}}},
	}})
	if !got.NoChanges || got.Headline() != "No changes" {
		t.Errorf("Summarize = %+v, want no changes", got)
	}
	want := "### Terraform plan for `prod`\n\n**No changes.** The infrastructure matches the configuration.\n"
	if md := got.Markdown("prod"); md != want {
		t.Errorf("Markdown = %q, want %q", md, want)
	}
}
