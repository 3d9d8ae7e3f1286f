package tf

import (
	"encoding/json"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
)

// TestSummarizeDrift reads the resource_drift of a refresh-only plan: an
// added security group rule is shown as that rule alone, a block whose
// sensitivity mask has no true in it is not hidden, a value marked
// sensitive is, volatile attributes and null-versus-empty are no drift,
// and a resource gone is a delete.
func TestSummarizeDrift(t *testing.T) {
	t.Parallel()
	const plan = `{"format_version":"1.2","resource_drift":[
	 {"address":"aws_security_group.db","type":"aws_security_group","change":{"actions":["update"],
	   "before":{"name":"db","tags":null,"ingress":[{"from_port":5432,"cidr_blocks":[],"security_groups":["sg-app"]}]},
	   "after":{"name":"db","tags":{},"ingress":[{"from_port":5432,"cidr_blocks":[],"security_groups":["sg-app"]},{"from_port":5432,"cidr_blocks":["0.0.0.0/0"],"security_groups":[]}]},
	   "before_sensitive":{"ingress":[{"cidr_blocks":[],"security_groups":[]}],"tags":{}},
	   "after_sensitive":{"ingress":[{"cidr_blocks":[],"security_groups":[]},{"cidr_blocks":[],"security_groups":[]}],"tags":{}}}},
	 {"address":"aws_db_instance.main","type":"aws_db_instance","change":{"actions":["update"],
	   "before":{"latest_restorable_time":"09:12:19","password":"old"},
	   "after":{"latest_restorable_time":"09:12:43","password":"new"},
	   "before_sensitive":{"password":true},"after_sensitive":{"password":true}}},
	 {"address":"aws_db_subnet_group.main","type":"aws_db_subnet_group","change":{"actions":["update"],
	   "before":{"tags":null},"after":{"tags":{}}}},
	 {"address":"aws_ssm_parameter.gone","type":"aws_ssm_parameter","change":{"actions":["delete"],"before":{"name":"x"},"after":null}},
	 {"address":"aws_ssm_parameter.image","type":"aws_ssm_parameter","change":{"actions":["update"],
	   "before":{"value":"none","version":1},"after":{"value":"r@sha256:1","version":2},
	   "before_sensitive":{"value":true},"after_sensitive":{"value":true}}}
	]}`
	var p tfjson.Plan
	if err := json.Unmarshal([]byte(plan), &p); err != nil {
		t.Fatal(err)
	}
	d := summarizeDrift(&p)
	if !d.Drifted || len(d.Resources) != 3 {
		t.Fatalf("drift = %+v, want the group, the database's password and the parameter (the release the pipeline records in aws_ssm_parameter.image is its own work)", d)
	}
	db, sg, gone := d.Resources[0], d.Resources[1], d.Resources[2]
	if sg.Address != "aws_security_group.db" || len(sg.Attributes) != 1 || sg.Attributes[0].Name != "ingress" {
		t.Fatalf("group drift = %+v, want ingress only (tags null versus {} is no drift)", sg)
	}
	if got := sg.Attributes[0]; got.Before != "[]" || !strings.Contains(got.After, "0.0.0.0/0") || strings.Contains(got.After, "sg-app") {
		t.Errorf("ingress shown as %s -> %s, want only the added rule", got.Before, got.After)
	}
	if db.Address != "aws_db_instance.main" || len(db.Attributes) != 1 || db.Attributes[0].Name != "password" {
		t.Fatalf("database drift = %+v, want the password only (latest_restorable_time is volatile)", db)
	}
	if a := db.Attributes[0]; a.Before != "(sensitive)" || a.After != "(sensitive)" {
		t.Errorf("a sensitive value is shown: %+v", a)
	}
	if gone.Address != "aws_ssm_parameter.gone" || gone.Action != ActionDelete {
		t.Errorf("deleted resource = %+v", gone)
	}
	md := d.Markdown()
	for _, want := range []string{"3 resource(s) changed outside Terraform", "| `aws_ssm_parameter.gone` | delete |", "0.0.0.0/0"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, `"new"`) || strings.Contains(md, `"old"`) {
		t.Errorf("Markdown shows a sensitive value:\n%s", md)
	}
}
