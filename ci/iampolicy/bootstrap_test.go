package iampolicy_test

// What the bootstrap's roles must never be able to do, and what the
// pipeline still must be able to do, evaluated (conditions included) over
// the real policy documents of terraform/bootstrap in both layouts. Every
// mutation in the table below seeds one bad statement into those
// documents, and at least one check must then fail: a mutation that
// survives fails the test.
//
// Where two independent layers protect something (an Allow scoped to the
// own environment and an explicit Deny on the other one, for example),
// the checks test each layer on its own: the decision with the deny
// statements left out must not be Allow, and the deny statements must
// decide the full evaluation. Removing either layer is then caught.

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/gangway-dev/gangway/ci/iampolicy"
)

type ctx = map[string][]string

// --- names, as terraform/ and terraform/bootstrap give them ----------------

func (l *layout) has(env string) bool { _, ok := l.envs[env]; return ok }
func (l *layout) deploy(env string) *role {
	return l.roles["gangway-"+env+"-deploy"]
}
func (l *layout) plan(env string) *role { return l.roles["gangway-"+env+"-plan"] }

// preview is the prod preview role of pull requests (nil where prod is not).
func (l *layout) preview() *role { return l.roles["gangway-prod-preview"] }
func (l *layout) boundary(env string) *iampolicy.Policy {
	return l.managed["gangway-"+env+"-host-boundary"]
}
func (l *layout) arn(service, resource string) string {
	return "arn:aws:" + service + ":" + region + ":" + l.account + ":" + resource
}
func (l *layout) ec2(resource string) string { return l.arn("ec2", resource) }
func (l *layout) iam(resource string) string { return "arn:aws:iam::" + l.account + ":" + resource }
func (l *layout) state(key string) string {
	return "arn:aws:s3:::gangway-tfstate-" + l.account + "/" + key
}
func (l *layout) bucket(env string) string {
	return "arn:aws:s3:::gangway-" + env + "-app-" + l.account
}
func (l *layout) repository(env string) string { return l.arn("ecr", "repository/gangway-"+env) }
func (l *layout) dbARN(env string) string      { return l.arn("rds", "db:gangway-"+env) }
func (l *layout) oidc() string {
	return "arn:aws:iam::" + l.account + ":oidc-provider/token.actions.githubusercontent.com"
}

// The serving layer, as terraform/ names it: the load balancer, target
// group and Auto Scaling group are gangway-<env>, alarms and the topic
// gangway-<env>-*, the log group /gangway/<env>/app.
func (l *layout) elb(resource string) string { return l.arn("elasticloadbalancing", resource) }
func (l *layout) loadBalancer(env string) string {
	return l.elb("loadbalancer/app/gangway-" + env + "/0123456789abcdef")
}
func (l *layout) listener(env string) string {
	return l.elb("listener/app/gangway-" + env + "/0123456789abcdef/fedcba9876543210")
}
func (l *layout) targetGroup(env string) string {
	return l.elb("targetgroup/gangway-" + env + "/0123456789abcdef")
}
func (l *layout) group(env string) string {
	return l.arn("autoscaling", "autoScalingGroup:2b7d5e46-1c31-4c5e-9f1e-6c7e8e0f9a10:autoScalingGroupName/gangway-"+env)
}
func (l *layout) logGroup(env string) string { return l.arn("logs", "log-group:/gangway/"+env+"/app") }
func (l *layout) alarm(env, name string) string {
	return l.arn("cloudwatch", "alarm:gangway-"+env+"-"+name)
}
func (l *layout) topic(env string) string { return l.arn("sns", "gangway-"+env+"-alarms") }
func (l *layout) parameter(env, name string) string {
	return l.arn("ssm", "parameter/gangway/"+env+"/"+name)
}
func (l *layout) zone(z string) string { return "arn:aws:route53:::hostedzone/" + z }

// groupTagged is the context of an Auto Scaling group terraform/ created
// for env: Auto Scaling has its own key for the tag besides aws:ResourceTag.
func groupTagged(env string) ctx {
	return with(tagged(env), "autoscaling:ResourceTag/Environment", env)
}

// ownKey is the context of a KMS key terraform/ created for env (its
// default_tags), as opposed to the bootstrap's keys (ManagedBy
// terraform-bootstrap).
func ownKey(env string) ctx { return with(tagged(env), "aws:ResourceTag/ManagedBy", "terraform") }

// records is the context of a Route 53 change batch.
func records(types string, names ...string) ctx {
	return ctx{"route53:ChangeResourceRecordSetsNormalizedRecordNames": names, "route53:ChangeResourceRecordSetsRecordTypes": strings.Split(types, "|"),
		"route53:ChangeResourceRecordSetsActions": {"UPSERT"}}
}

func other(env string) string {
	if env == "test" {
		return "prod"
	}
	return "test"
}

// tagged is the request context of a resource that terraform/ created for
// env (provider default_tags), plus the request's region.
func tagged(env string) ctx {
	return ctx{"aws:ResourceTag/Environment": {env}, "aws:ResourceTag/App": {"gangway"}, "aws:RequestedRegion": {region}}
}

func with(c ctx, kv ...string) ctx {
	out := ctx{}
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(out, kv[i])
			continue
		}
		out[kv[i]] = strings.Split(kv[i+1], "|")
	}
	return out
}

// --- evaluation helpers -------------------------------------------------------

func (r *role) request(action, resource string, c ctx) iampolicy.Request {
	return iampolicy.Request{Principal: iampolicy.AWSPrincipal(r.arn), Action: action, Resource: resource, Context: c}
}

// can evaluates the role's identity policies (and a resource policy, when
// given; required says the resource policy must allow, as for keys).
func (r *role) can(action, resource string, c ctx) iampolicy.Result {
	return iampolicy.Evaluate(r.request(action, resource, c), iampolicy.Policies{Identity: r.identity})
}

func (r *role) canOn(resourcePolicy *iampolicy.Policy, required bool, action, resource string, c ctx) iampolicy.Result {
	return iampolicy.Evaluate(r.request(action, resource, c), iampolicy.Policies{Identity: r.identity, Resource: resourcePolicy, ResourceRequired: required})
}

// without returns the role with every statement whose Sid starts with
// prefix removed from its policies.
func (r *role) without(prefix string) *role {
	c := *r
	c.identity = nil
	for _, p := range r.identity {
		c.identity = append(c.identity, strip(p, prefix))
	}
	return &c
}

func strip(p *iampolicy.Policy, prefix string) *iampolicy.Policy {
	if p == nil {
		return nil
	}
	c := *p
	c.Statements = nil
	for _, s := range p.Statements {
		if !strings.HasPrefix(s.Sid, prefix) {
			c.Statements = append(c.Statements, s)
		}
	}
	return &c
}

// someone is a principal of the account with the given identity policy
// (an administrator, when it allows everything).
func someone(l *layout, name string, identity *iampolicy.Policy) *role {
	return &role{name: name, arn: l.iam("role/" + name), identity: []*iampolicy.Policy{identity}}
}

var allowEverything = func() *iampolicy.Policy {
	p := iampolicy.MustParse(`{"Version":"2012-10-17","Statement":[{"Sid":"Administrator","Effect":"Allow","Action":"*","Resource":"*"}]}`)
	p.Name = "AdministratorAccess"
	return p
}()

// verdicts collects failed expectations.
type verdicts struct{ failures []string }

func (v *verdicts) fail(format string, args ...any) {
	v.failures = append(v.failures, fmt.Sprintf(format, args...))
}

// never: the request must not be allowed.
func (v *verdicts) never(what string, r iampolicy.Result) {
	if r.Allowed() {
		v.fail("%s: must never be allowed, got %s", what, r)
	}
}

// allowed: the pipeline needs this.
func (v *verdicts) allowed(what string, r iampolicy.Result) {
	if !r.Allowed() {
		v.fail("%s: the pipeline needs this, got %s", what, r)
	}
}

// deniedBy: an explicit Deny whose Sid starts with prefix decided it.
func (v *verdicts) deniedBy(what string, r iampolicy.Result, prefix string) {
	if r.Decision == iampolicy.ExplicitDeny {
		for _, ref := range r.Deciding {
			if strings.HasPrefix(ref.Sid, prefix) {
				return
			}
		}
	}
	v.fail("%s: must be denied explicitly by %s*, got %s", what, prefix, r)
}

// layered: both layers hold on their own. Without the statements named
// prefix the request is still not allowed, and with them those statements
// deny it explicitly.
func (v *verdicts) layered(what string, r *role, prefix string, resourcePolicy *iampolicy.Policy, required bool, action, resource string, c ctx) {
	v.never(what+" (without "+prefix+"*)", r.without(prefix).canOn(strip(resourcePolicy, prefix), required, action, resource, c))
	v.deniedBy(what, r.canOn(resourcePolicy, required, action, resource, c), prefix)
}

func (v *verdicts) err() error {
	if len(v.failures) == 0 {
		return nil
	}
	return fmt.Errorf("%d failed:\n  %s", len(v.failures), strings.Join(v.failures, "\n  "))
}

// --- the checks -------------------------------------------------------------

// check is one expectation over a layout; it records nothing where it does
// not apply (a layout without the environment it is about).
type check struct {
	name string
	run  func(l *layout, v *verdicts)
}

// attack is one thing a role of one environment tries on the other's.
type attack struct {
	what             string
	action, resource string
	c                ctx
}

// crossEnvironment lists what a role of env must never do to victim's
// resources in a shared account.
func crossEnvironment(l *layout, env, victim string) []attack {
	vt := tagged(victim)
	inst := l.ec2("instance/i-" + victim)
	ssmCtx := ctx{"ssm:resourceTag/Environment": {victim}, "ssm:resourceTag/App": {"gangway"}}
	out := []attack{
		{"tag a " + victim + " instance", "ec2:CreateTags", inst, with(vt, "aws:TagKeys", "Name", "aws:RequestTag/Name", "pwned")},
		{"re-tag a " + victim + " instance Environment=" + env, "ec2:CreateTags", inst, with(vt, "aws:TagKeys", "Environment", "aws:RequestTag/Environment", env)},
		{"re-tag a " + victim + " instance environment=" + env + " (case)", "ec2:CreateTags", inst, with(vt, "aws:TagKeys", "environment", "aws:RequestTag/environment", env)},
		{"untag a " + victim + " instance", "ec2:DeleteTags", inst, with(vt, "aws:TagKeys", "Environment")},
		{"run a command on a " + victim + " instance", "ssm:SendCommand", inst, ssmCtx},
		{"release a " + victim + " Elastic IP", "ec2:ReleaseAddress", l.ec2("elastic-ip/eipalloc-" + victim), vt},
		{"associate a " + victim + " Elastic IP", "ec2:AssociateAddress", l.ec2("elastic-ip/eipalloc-" + victim), vt},
		{"disassociate a " + victim + " Elastic IP", "ec2:DisassociateAddress", l.ec2("elastic-ip/eipalloc-" + victim), vt},
		{"open a " + victim + " security group", "ec2:AuthorizeSecurityGroupIngress", l.ec2("security-group/sg-" + victim), vt},
		{"change a " + victim + " security group rule", "ec2:ModifySecurityGroupRules", l.ec2("security-group/sg-" + victim), vt},
		{"empty a " + victim + " security group", "ec2:RevokeSecurityGroupEgress", l.ec2("security-group/sg-" + victim), vt},
		{"add a route to a " + victim + " route table", "ec2:CreateRoute", l.ec2("route-table/rtb-" + victim), vt},
		{"replace a " + victim + " route", "ec2:ReplaceRoute", l.ec2("route-table/rtb-" + victim), vt},
		{"delete a " + victim + " route", "ec2:DeleteRoute", l.ec2("route-table/rtb-" + victim), vt},
		{"launch into a " + victim + " subnet", "ec2:RunInstances", l.ec2("subnet/subnet-" + victim), vt},
		{"launch with a " + victim + " security group", "ec2:RunInstances", l.ec2("security-group/sg-" + victim), vt},
		{"add a subnet to a " + victim + " VPC", "ec2:CreateSubnet", l.ec2("vpc/vpc-" + victim), vt},
		{"delete the " + victim + " database", "rds:DeleteDBInstance", l.dbARN(victim), vt},
		{"change the " + victim + " bucket policy", "s3:PutBucketPolicy", l.bucket(victim), nil},
		{"read " + victim + " objects", "s3:GetObject", l.bucket(victim) + "/data.json", nil},
		{"read the " + victim + " state", "s3:GetObject", l.state("gangway/" + victim + "/terraform.tfstate"), ctx{"aws:SecureTransport": {"true"}}},
		{"write the " + victim + " state", "s3:PutObject", l.state("gangway/" + victim + "/terraform.tfstate"), ctx{"aws:SecureTransport": {"true"}}},
		{"push to the " + victim + " repository", "ecr:PutImage", l.repository(victim), vt},
		{"read the " + victim + " database secret", "secretsmanager:GetSecretValue", l.arn("secretsmanager", "secret:rds!db-"+victim),
			ctx{"secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn": {l.dbARN(victim)}}},
		{"delete the " + victim + " database secret", "secretsmanager:DeleteSecret", l.arn("secretsmanager", "secret:rds!db-"+victim),
			ctx{"secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn": {l.dbARN(victim)}}},
		{"write a " + victim + " parameter", "ssm:PutParameter", l.arn("ssm", "parameter/gangway/"+victim+"/digest"), nil},
		{"give the " + victim + " host role a policy", "iam:PutRolePolicy", l.iam("role/gangway-" + victim + "-host"),
			ctx{"iam:PermissionsBoundary": {l.iam("policy/gangway-" + env + "-host-boundary")}}},
	}
	return append(out, crossInstances(l, victim)...)
}

// crossServing lists what a role of env must never do to victim's serving
// layer in a shared account: by tag, and by name for the resources whose
// ARN names them (the second layer when a tag is missing).
func crossServing(l *layout, env, victim string) []attack {
	vt := tagged(victim)
	return []attack{
		{"delete the " + victim + " load balancer", "elasticloadbalancing:DeleteLoadBalancer", l.loadBalancer(victim), vt},
		{"delete the " + victim + " load balancer (untagged)", "elasticloadbalancing:DeleteLoadBalancer", l.loadBalancer(victim), nil},
		{"point the " + victim + " listener elsewhere", "elasticloadbalancing:ModifyListener", l.listener(victim), vt},
		{"add a listener to the " + victim + " load balancer", "elasticloadbalancing:CreateListener", l.loadBalancer(victim), vt},
		{"register a host in the " + victim + " target group", "elasticloadbalancing:RegisterTargets", l.targetGroup(victim), vt},
		{"change the " + victim + " health check (untagged)", "elasticloadbalancing:ModifyTargetGroup", l.targetGroup(victim), nil},
		{"tag the " + victim + " target group", "elasticloadbalancing:AddTags", l.targetGroup(victim), with(vt, "aws:RequestTag/Environment", env, "aws:TagKeys", "Environment")},
		{"scale the " + victim + " group to zero", "autoscaling:UpdateAutoScalingGroup", l.group(victim), groupTagged(victim)},
		{"delete the " + victim + " group (untagged)", "autoscaling:DeleteAutoScalingGroup", l.group(victim), nil},
		{"refresh the " + victim + " group", "autoscaling:StartInstanceRefresh", l.group(victim), groupTagged(victim)},
		{"change the " + victim + " launch template", "ec2:CreateLaunchTemplateVersion", l.ec2("launch-template/lt-" + victim), vt},
		{"launch from the " + victim + " launch template", "ec2:RunInstances", l.ec2("launch-template/lt-" + victim), vt},
		{"delete a " + victim + " VPC endpoint", "ec2:DeleteVpcEndpoints", l.ec2("vpc-endpoint/vpce-" + victim), vt},
		{"delete the " + victim + " certificate", "acm:DeleteCertificate", l.arn("acm", "certificate/"+victim), vt},
		{"delete the " + victim + " log group", "logs:DeleteLogGroup", l.logGroup(victim), nil},
		{"shorten the " + victim + " log retention", "logs:PutRetentionPolicy", l.logGroup(victim), nil},
		{"silence the " + victim + " 5xx alarm", "cloudwatch:PutMetricAlarm", l.alarm(victim, "5xx"), nil},
		{"delete a " + victim + " alarm", "cloudwatch:DeleteAlarms", l.alarm(victim, "db-cpu"), nil},
		{"subscribe to the " + victim + " alarm topic", "sns:Subscribe", l.topic(victim), nil},
		{"re-key the " + victim + " alarm topic", "sns:SetTopicAttributes", l.topic(victim), vt},
		{"schedule the deletion of the " + victim + " logs key", "kms:ScheduleKeyDeletion", l.arn("kms", "key/logs-"+victim), ownKey(victim)},
		{"rewrite the " + victim + " alarms key policy", "kms:PutKeyPolicy", l.arn("kms", "key/alarms-"+victim), ownKey(victim)},
		{"record a digest for " + victim, "ssm:PutParameter", l.parameter(victim, "image"), nil},
		{"replace the " + victim + " rollout script", "ssm:PutParameter", l.parameter(victim, "rollout-script"), nil},
	}
}

// crossInstances: what no role may do to prod's instances.
func crossInstances(l *layout, victim string) []attack {
	vt := tagged(victim)
	inst := l.ec2("instance/i-" + victim)
	var out []attack
	if victim == "prod" {
		out = append(out,
			attack{"stop a prod instance", "ec2:StopInstances", inst, vt},
			attack{"terminate a prod instance", "ec2:TerminateInstances", inst, vt},
			attack{"modify a prod instance", "ec2:ModifyInstanceAttribute", inst, vt},
			attack{"change a prod instance's metadata options", "ec2:ModifyInstanceMetadataOptions", inst, vt},
		)
	}
	return out
}

var checks = []check{
	{"a role never touches the other environment (shared account)", func(l *layout, v *verdicts) {
		if !l.has("test") || !l.has("prod") {
			return
		}
		for _, env := range []string{"test", "prod"} {
			for _, r := range []*role{l.deploy(env), l.plan(env)} {
				for _, a := range crossEnvironment(l, env, other(env)) {
					var bucketPolicy *iampolicy.Policy
					if strings.Contains(a.resource, ":::gangway-tfstate-") {
						bucketPolicy = l.stateBkt
					}
					v.layered(r.name+": "+a.what, r, "DenyOtherEnvironment", bucketPolicy, false, a.action, a.resource, a.c)
				}
			}
		}
	}},

	{"the other environment's serving layer is out of reach (shared account)", func(l *layout, v *verdicts) {
		if !l.has("test") || !l.has("prod") {
			return
		}
		for _, env := range []string{"test", "prod"} {
			for _, r := range []*role{l.deploy(env), l.plan(env)} {
				for _, a := range crossServing(l, env, other(env)) {
					v.layered(r.name+": "+a.what, r, "DenyOtherEnvironment", nil, false, a.action, a.resource, a.c)
				}
			}
		}
	}},

	{"the Environment tag is never changed after creation", func(l *layout, v *verdicts) {
		for env := range l.envs {
			r := l.deploy(env)
			own := tagged(env)
			inst := l.ec2("instance/i-" + env)
			v.never(r.name+": move its own instance to "+other(env), r.can("ec2:CreateTags", inst, with(own, "aws:TagKeys", "Environment", "aws:RequestTag/Environment", other(env))))
			v.never(r.name+": move its own security group to "+other(env), r.can("ec2:CreateTags", l.ec2("security-group/sg-"+env), with(own, "aws:TagKeys", "Environment", "aws:RequestTag/Environment", other(env))))
			v.never(r.name+": delete its instance's Environment tag", r.can("ec2:DeleteTags", inst, with(own, "aws:TagKeys", "Environment")))
			v.never(r.name+": delete all tags of its instance", r.can("ec2:DeleteTags", inst, own))
			v.never(r.name+": tag an existing untagged instance", r.can("ec2:CreateTags", l.ec2("instance/i-untagged"),
				ctx{"aws:TagKeys": {"Environment"}, "aws:RequestTag/Environment": {env}}))
			v.never(r.name+": create a resource tagged "+other(env), r.can("ec2:CreateTags", l.ec2("instance/i-new"),
				ctx{"ec2:CreateAction": {"RunInstances"}, "aws:TagKeys": {"Environment"}, "aws:RequestTag/Environment": {other(env)}}))
		}
	}},

	{"no deploy role changes the pipeline's roles or policies", func(l *layout, v *verdicts) {
		roleActions := []string{"iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:TagRole", "iam:UntagRole",
			"iam:DeleteRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy",
			"iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary", "iam:PassRole"}
		policyActions := []string{"iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicyVersion", "iam:DeletePolicy"}
		var targets, policies []string
		for env := range l.envs {
			targets = append(targets, l.iam("role/gangway-"+env+"-deploy"), l.iam("role/gangway-"+env+"-plan"), l.iam("role/gangway-"+env+"-preview"))
			policies = append(policies, l.iam("policy/gangway-"+env+"-host-boundary"), l.iam("policy/gangway-"+env+"-deploy-ec2"), l.iam("policy/gangway-"+env+"-deploy-data"))
		}
		for env := range l.envs {
			r := l.deploy(env)
			// The attacker's best case: every condition the allows check
			// for is met.
			c := ctx{"iam:PermissionsBoundary": {l.iam("policy/gangway-" + env + "-host-boundary")},
				"iam:PolicyARN": {"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}, "iam:PassedToService": {"ec2.amazonaws.com"}}
			for _, target := range targets {
				for _, a := range roleActions {
					v.layered(r.name+": "+a+" on "+target, r, "DenyPipelineRoleChanges", nil, false, a, target, c)
				}
			}
			for _, target := range policies {
				for _, a := range policyActions {
					v.layered(r.name+": "+a+" on "+target, r, "DenyPipelineRoleChanges", nil, false, a, target, c)
				}
			}
			v.deniedBy(r.name+": delete the OIDC provider", r.can("iam:DeleteOpenIDConnectProvider", l.oidc(), nil), "DenyOidcProviderChanges")
			host := l.iam("role/gangway-" + env + "-host")
			v.never(r.name+": create a role without the boundary", r.can("iam:CreateRole", host, nil))
			v.never(r.name+": create a role with another boundary", r.can("iam:CreateRole", host, ctx{"iam:PermissionsBoundary": {l.iam("policy/admin")}}))
			v.never(r.name+": attach AdministratorAccess to the host role", r.can("iam:AttachRolePolicy", host,
				ctx{"iam:PolicyARN": {"arn:aws:iam::aws:policy/AdministratorAccess"}, "iam:PermissionsBoundary": {l.iam("policy/gangway-" + env + "-host-boundary")}}))
			v.never(r.name+": remove the host role's boundary", r.can("iam:DeleteRolePermissionsBoundary", host, nil))
			v.never(r.name+": create another role", r.can("iam:CreateRole", l.iam("role/admin"), c))
			v.allowed(r.name+": create the host role with its boundary", r.can("iam:CreateRole", host, c))
			v.allowed(r.name+": pass the host role to EC2", r.can("iam:PassRole", host, ctx{"iam:PassedToService": {"ec2.amazonaws.com"}}))
			v.never(r.name+": pass the host role to Lambda", r.can("iam:PassRole", host, ctx{"iam:PassedToService": {"lambda.amazonaws.com"}}))
		}
	}},

	{"plan roles never write the state or anything else", func(l *layout, v *verdicts) {
		tls := ctx{"aws:SecureTransport": {"true"}, "s3:x-amz-server-side-encryption": {"aws:kms"}}
		for env := range l.envs {
			r := l.plan(env)
			prefix := "gangway/" + env + "/"
			for _, a := range []string{"s3:PutObject", "s3:DeleteObject"} {
				v.never(r.name+": "+a+" terraform.tfstate", r.canOn(l.stateBkt, false, a, l.state(prefix+"terraform.tfstate"), tls))
				v.never(r.name+": "+a+" another key", r.canOn(l.stateBkt, false, a, l.state(prefix+"other.tfstate"), tls))
				v.never(r.name+": "+a+" the other environment's lock", r.canOn(l.stateBkt, false, a, l.state("gangway/"+other(env)+"/terraform.tfstate.tflock"), tls))
			}
			v.never(r.name+": save a plan without SSE-KMS", r.canOn(l.stateBkt, false, "s3:PutObject", l.state(prefix+"plans/p.tfplan"), ctx{"aws:SecureTransport": {"true"}}))
			v.allowed(r.name+": take the lock", r.canOn(l.stateBkt, false, "s3:PutObject", l.state(prefix+"terraform.tfstate.tflock"), tls))
			v.allowed(r.name+": release the lock", r.canOn(l.stateBkt, false, "s3:DeleteObject", l.state(prefix+"terraform.tfstate.tflock"), tls))
			v.allowed(r.name+": read the state", r.canOn(l.stateBkt, false, "s3:GetObject", l.state(prefix+"terraform.tfstate"), tls))
			v.allowed(r.name+": save a plan", r.canOn(l.stateBkt, false, "s3:PutObject", l.state(prefix+"plans/p.tfplan"), tls))
			v.allowed(r.name+": describe instances", r.can("ec2:DescribeInstances", "*", ctx{"aws:RequestedRegion": {region}}))
			own := tagged(env)
			for _, a := range []attack{
				{"terminate its instance", "ec2:TerminateInstances", l.ec2("instance/i-" + env), own},
				{"run a command", "ssm:SendCommand", l.ec2("instance/i-" + env), ctx{"ssm:resourceTag/Environment": {env}, "ssm:resourceTag/App": {"gangway"}}},
				{"change the bucket policy", "s3:PutBucketPolicy", l.bucket(env), nil},
				{"read app objects", "s3:GetObject", l.bucket(env) + "/data.json", nil},
				{"push an image", "ecr:PutImage", l.repository(env), nil},
				{"delete the database", "rds:DeleteDBInstance", l.dbARN(env), nil},
				{"change the host role", "iam:PutRolePolicy", l.iam("role/gangway-" + env + "-host"), ctx{"iam:PermissionsBoundary": {l.iam("policy/gangway-" + env + "-host-boundary")}}},
				{"tag at creation", "ec2:CreateTags", l.ec2("instance/i-new"), ctx{"ec2:CreateAction": {"RunInstances"}, "aws:RequestTag/Environment": {env}}},
			} {
				v.never(r.name+": "+a.what, r.can(a.action, a.resource, a.c))
			}
		}
	}},

	{"prod has no access to its app data", func(l *layout, v *verdicts) {
		if !l.has("prod") {
			return
		}
		for _, r := range []*role{l.deploy("prod"), l.plan("prod")} {
			for _, a := range []string{"s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"} {
				v.never(r.name+": "+a+" on app objects", r.can(a, l.bucket("prod")+"/records/1.json", nil))
			}
		}
	}},

	{"the prod preview role reads prod and writes nothing, not even the lock", func(l *layout, v *verdicts) {
		r := l.preview()
		if r == nil {
			return
		}
		tls := ctx{"aws:SecureTransport": {"true"}, "s3:x-amz-server-side-encryption": {"aws:kms"}}
		v.allowed(r.name+": read prod's state", r.canOn(l.stateBkt, false, "s3:GetObject", l.state("gangway/prod/terraform.tfstate"), tls))
		v.allowed(r.name+": describe instances", r.can("ec2:DescribeInstances", "*", ctx{"aws:RequestedRegion": {region}}))
		for _, key := range []string{"terraform.tfstate", "terraform.tfstate.tflock", "plans/p.tfplan.tar"} {
			for _, a := range []string{"s3:PutObject", "s3:DeleteObject"} {
				v.never(r.name+": "+a+" gangway/prod/"+key, r.canOn(l.stateBkt, false, a, l.state("gangway/prod/"+key), tls))
			}
		}
		if key := l.keys["plans-prod"]; key != nil {
			keyARN := l.arn("kms", "key/plans-prod")
			viaS3 := with(tagged("prod"), "kms:ViaService", "s3."+region+".amazonaws.com", "kms:ResourceAliases", "alias/gangway-prod-plans")
			v.never(r.name+": decrypt a stored plan", r.canOn(key, true, "kms:Decrypt", keyARN, viaS3))
			v.never(r.name+": encrypt a plan", r.canOn(key, true, "kms:GenerateDataKey", keyARN, viaS3))
		}
		for _, a := range []attack{
			{"read app objects", "s3:GetObject", l.bucket("prod") + "/records/1.json", nil},
			{"run a command", "ssm:SendCommand", l.ec2("instance/i-prod"), ctx{"ssm:resourceTag/Environment": {"prod"}, "ssm:resourceTag/App": {"gangway"}}},
			{"record a digest", "ssm:PutParameter", l.parameter("prod", "image"), nil},
			{"push an image", "ecr:PutImage", l.repository("prod"), nil},
		} {
			v.never(r.name+": "+a.what, r.can(a.action, a.resource, a.c))
		}
	}},

	{"the OIDC trust admits exactly the pipeline's jobs", func(l *layout, v *verdicts) {
		const wf = repo + "/.github/workflows/"
		assume := func(r *role, sub string, aud ...string) iampolicy.Result {
			if aud == nil {
				aud = []string{"sts.amazonaws.com"}
			}
			return iampolicy.Evaluate(iampolicy.Request{
				Principal: iampolicy.FederatedPrincipal(l.oidc()), Action: "sts:AssumeRoleWithWebIdentity", Resource: r.arn,
				Context: ctx{"token.actions.githubusercontent.com:sub": {sub}, "token.actions.githubusercontent.com:aud": aud},
			}, iampolicy.Policies{Resource: r.trust, ResourceRequired: true})
		}
		sub := func(context, file, ref string) string {
			return "repo:" + repo + ":" + context + ":job_workflow_ref:" + wf + file + "@" + ref
		}
		pr := sub("pull_request", "test.yml", "refs/pull/42/merge")
		if l.has("test") {
			d, p := l.deploy("test"), l.plan("test")
			v.allowed("test deploy job", assume(d, sub("environment:test", "test.yml", "refs/heads/develop")))
			v.never("test.yml on a feature branch in environment test", assume(d, sub("environment:test", "test.yml", "refs/heads/feature/x")))
			v.never("another workflow in environment test", assume(d, sub("environment:test", "evil.yml", "refs/heads/develop")))
			v.never("test.yml from a tag in environment test", assume(d, sub("environment:test", "test.yml", "refs/tags/v1")))
			v.never("test.yml on a tag ref", assume(d, sub("ref:refs/tags/v1", "test.yml", "refs/tags/v1")))
			v.never("test.yml on develop without the environment", assume(d, sub("ref:refs/heads/develop", "test.yml", "refs/heads/develop")))
			v.never("a pull request, test deploy role", assume(d, pr))
			v.never("the default subject format", assume(d, "repo:"+repo+":environment:test"))
			v.never("another repository", assume(d, "repo:evil/gangway:environment:test:job_workflow_ref:evil/gangway/.github/workflows/test.yml@refs/heads/develop"))
			v.never("another audience", assume(d, sub("environment:test", "test.yml", "refs/heads/develop"), "sigstore"))
			v.never("test.yml in environment production, test deploy role", assume(d, sub("environment:production", "test.yml", "refs/heads/develop")))
			v.allowed("pull-request preview", assume(p, pr))
			v.allowed("drift check of test", assume(p, sub("ref:refs/heads/main", "drift.yml", "refs/heads/main")))
			v.never("a pull request of another workflow, test plan role", assume(p, sub("pull_request", "evil.yml", "refs/pull/42/merge")))
			v.never("a push of test.yml, test plan role", assume(p, sub("ref:refs/heads/develop", "test.yml", "refs/heads/develop")))
			v.never("drift.yml on a feature branch, test plan role", assume(p, sub("ref:refs/heads/x", "drift.yml", "refs/heads/x")))
		}
		if l.has("prod") {
			d, p := l.deploy("prod"), l.plan("prod")
			v.allowed("prod deploy job", assume(d, sub("environment:production", "prod.yml", "refs/heads/main")))
			v.never("prod.yml from a non-default branch", assume(d, sub("environment:production", "prod.yml", "refs/heads/develop")))
			v.never("test.yml in environment production", assume(d, sub("environment:production", "test.yml", "refs/heads/main")))
			v.never("prod.yml without the environment", assume(d, sub("ref:refs/heads/main", "prod.yml", "refs/heads/main")))
			v.never("prod.yml from a tag", assume(d, sub("environment:production", "prod.yml", "refs/tags/v1")))
			v.never("a pull request, prod deploy role", assume(d, pr))
			v.never("the test deploy job, prod deploy role", assume(d, sub("environment:test", "test.yml", "refs/heads/develop")))
			v.allowed("prod plan before the approval", assume(p, sub("ref:refs/heads/main", "prod.yml", "refs/heads/main")))
			v.allowed("drift check of prod", assume(p, sub("ref:refs/heads/main", "drift.yml", "refs/heads/main")))
			v.never("a pull request, prod plan role", assume(p, pr))
			v.never("prod.yml on another branch, prod plan role", assume(p, sub("ref:refs/heads/develop", "prod.yml", "refs/heads/develop")))
			if pv := l.preview(); pv == nil {
				v.fail("the account that hosts prod must hold the prod preview role")
			} else {
				v.allowed("pull-request preview of prod", assume(pv, pr))
				v.never("a pull request of another workflow, prod preview role", assume(pv, sub("pull_request", "evil.yml", "refs/pull/42/merge")))
				v.never("prod.yml on main, prod preview role", assume(pv, sub("ref:refs/heads/main", "prod.yml", "refs/heads/main")))
				v.never("the prod deploy job, prod preview role", assume(pv, sub("environment:production", "prod.yml", "refs/heads/main")))
				v.never("test.yml pushed to develop, prod preview role", assume(pv, sub("ref:refs/heads/develop", "test.yml", "refs/heads/develop")))
			}
		}
		for _, r := range l.roles {
			other := iampolicy.Evaluate(iampolicy.Request{
				Principal: iampolicy.FederatedPrincipal(l.iam("oidc-provider/gitlab.example.com")), Action: "sts:AssumeRoleWithWebIdentity", Resource: r.arn,
				Context: ctx{"token.actions.githubusercontent.com:sub": {pr}, "token.actions.githubusercontent.com:aud": {"sts.amazonaws.com"}},
			}, iampolicy.Policies{Resource: r.trust, ResourceRequired: true})
			v.never(r.name+": another identity provider", other)
		}
	}},

	{"only the test deploy role signs attestations", func(l *layout, v *verdicts) {
		key := l.keys["attestation"]
		if !l.has("test") {
			if key != nil {
				v.fail("an account without test must not hold the attestation key")
			}
			return
		}
		if key == nil {
			v.fail("the account that hosts test must hold the attestation key")
			return
		}
		keyARN := l.arn("kms", "key/attestation")
		sign := ctx{"kms:SigningAlgorithm": {"ECDSA_SHA_256"}}
		d := l.deploy("test")
		v.allowed("the test deploy role signs", d.canOn(key, true, "kms:Sign", keyARN, sign))
		v.allowed("the test deploy role reads the public key", d.canOn(key, true, "kms:GetPublicKey", keyARN, nil))
		v.never("the test deploy role signs with another algorithm", d.canOn(key, true, "kms:Sign", keyARN, ctx{"kms:SigningAlgorithm": {"ECDSA_SHA_384"}}))
		others := []*role{l.plan("test"), someone(l, "admin", allowEverything)}
		if l.has("prod") {
			others = append(others, l.deploy("prod"), l.plan("prod"))
		}
		for _, r := range others {
			v.layered(r.name+": sign an attestation", r, "DenySignByAnyoneElse", key, true, "kms:Sign", keyARN, sign)
		}
		for _, a := range []string{"kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:DisableKey", "kms:CreateGrant"} {
			v.deniedBy("the test deploy role: "+a, d.canOn(key, true, a, keyARN, nil), "DenyPipelineRolesAnythingElse")
		}
		root := &role{name: "root", arn: l.iam("root")}
		v.allowed("the account administers the key", root.canOn(key, true, "kms:ScheduleKeyDeletion", keyARN, nil))
		v.allowed("an administrator administers the key", someone(l, "admin", allowEverything).canOn(key, true, "kms:PutKeyPolicy", keyARN, nil))
	}},

	{"saved plans: the plan role encrypts, the deploy role decrypts", func(l *layout, v *verdicts) {
		for env := range l.envs {
			key := l.keys["plans-"+env]
			if key == nil {
				v.fail("no plans key for %s", env)
				continue
			}
			keyARN := l.arn("kms", "key/plans-"+env)
			viaS3 := with(tagged(env), "kms:ViaService", "s3."+region+".amazonaws.com", "kms:ResourceAliases", "alias/gangway-"+env+"-plans")
			d, p := l.deploy(env), l.plan(env)
			v.allowed(d.name+": decrypt a plan", d.canOn(key, true, "kms:Decrypt", keyARN, viaS3))
			v.allowed(p.name+": encrypt a plan", p.canOn(key, true, "kms:GenerateDataKey", keyARN, viaS3))
			v.never(d.name+": decrypt outside S3", d.canOn(key, true, "kms:Decrypt", keyARN, with(viaS3, "kms:ViaService", "")))
			v.layered(d.name+": encrypt a plan", d, "DenyEncryptByAnyoneElse", key, true, "kms:GenerateDataKey", keyARN, viaS3)
			v.layered(p.name+": decrypt a plan", p, "DenyDecryptByAnyoneElse", key, true, "kms:Decrypt", keyARN, viaS3)
			v.layered("an administrator: decrypt a plan", someone(l, "admin", allowEverything), "DenyDecryptByAnyoneElse", key, true, "kms:Decrypt", keyARN, viaS3)
			v.deniedBy(p.name+": encrypt with another key", p.can("kms:GenerateDataKey", l.arn("kms", "key/aws-s3"),
				ctx{"kms:ViaService": {"s3." + region + ".amazonaws.com"}, "kms:ResourceAliases": {"alias/aws/s3"}}), "DenyOtherKmsKeys")
			if l.has(other(env)) {
				o := l.deploy(other(env))
				v.never(o.name+": decrypt "+env+"'s plans", o.canOn(key, true, "kms:Decrypt", keyARN, viaS3))
			}
		}
	}},

	{"the host boundary stays inside its environment", func(l *layout, v *verdicts) {
		for env := range l.envs {
			host := &role{name: "gangway-" + env + "-host", arn: l.iam("role/gangway-" + env + "-host"), identity: []*iampolicy.Policy{allowEverything}}
			b := l.boundary(env)
			can := func(action, resource string, c ctx) iampolicy.Result {
				return iampolicy.Evaluate(host.request(action, resource, c), iampolicy.Policies{Identity: host.identity, Boundary: b})
			}
			o := other(env)
			v.allowed(host.name+": read its digest parameter", can("ssm:GetParameter", l.arn("ssm", "parameter/gangway/"+env+"/digest"), nil))
			v.allowed(host.name+": read its bucket", can("s3:GetObject", l.bucket(env)+"/x", nil))
			v.allowed(host.name+": read its DB secret", can("secretsmanager:GetSecretValue", l.arn("secretsmanager", "secret:rds!db-1"),
				ctx{"secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn": {l.dbARN(env)}}))
			v.allowed(host.name+": pull its image", can("ecr:BatchGetImage", l.repository(env), nil))
			v.allowed(host.name+": ship its logs", can("logs:PutLogEvents", l.arn("logs", "log-group:/gangway/"+env+"/app:log-stream:i-1"), nil))
			v.allowed(host.name+": run the SSM agent", can("ssm:UpdateInstanceInformation", "*", nil))
			for _, a := range []attack{
				{"read " + o + "'s parameters", "ssm:GetParameter", l.arn("ssm", "parameter/gangway/"+o+"/digest"), nil},
				{"read any parameter", "ssm:GetParameter", l.arn("ssm", "parameter/secrets/db"), nil},
				{"read " + o + "'s bucket", "s3:GetObject", l.bucket(o) + "/x", nil},
				{"write its bucket", "s3:PutObject", l.bucket(env) + "/x", nil},
				{"read " + o + "'s DB secret", "secretsmanager:GetSecretValue", l.arn("secretsmanager", "secret:rds!db-2"),
					ctx{"secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn": {l.dbARN(o)}}},
				{"read another secret", "secretsmanager:GetSecretValue", l.arn("secretsmanager", "secret:app-token"), nil},
				{"pull " + o + "'s image", "ecr:BatchGetImage", l.repository(o), nil},
				{"push its image", "ecr:PutImage", l.repository(env), nil},
				{"write " + o + "'s logs", "logs:PutLogEvents", l.arn("logs", "log-group:/gangway/"+o+"/app:log-stream:i-1"), nil},
				{"change IAM", "iam:PutRolePolicy", l.iam("role/gangway-" + env + "-host"), nil},
				{"terminate instances", "ec2:TerminateInstances", l.ec2("instance/i-1"), tagged(env)},
			} {
				v.never(host.name+": "+a.what, can(a.action, a.resource, a.c))
			}
		}
	}},

	{"the pipeline can still do its job", func(l *layout, v *verdicts) {
		for env := range l.envs {
			r := l.deploy(env)
			own := tagged(env)
			tls := ctx{"aws:SecureTransport": {"true"}}
			state := l.state("gangway/" + env + "/terraform.tfstate")
			v.allowed(r.name+": read its state", r.canOn(l.stateBkt, false, "s3:GetObject", state, tls))
			v.allowed(r.name+": write its state", r.canOn(l.stateBkt, false, "s3:PutObject", state, tls))
			v.allowed(r.name+": take its lock", r.canOn(l.stateBkt, false, "s3:PutObject", state+".tflock", tls))
			v.allowed(r.name+": read a saved plan", r.canOn(l.stateBkt, false, "s3:GetObject", l.state("gangway/"+env+"/plans/p.tfplan"), tls))
			v.deniedBy(r.name+": its state without TLS", r.canOn(l.stateBkt, false, "s3:GetObject", state, ctx{"aws:SecureTransport": {"false"}}), "DenyInsecureTransport")
			v.allowed(r.name+": describe", r.can("ec2:DescribeInstances", "*", ctx{"aws:RequestedRegion": {region}}))

			// Creating the network and the host, tagged at creation.
			create := func(action string) ctx {
				return ctx{"ec2:CreateAction": {action}, "aws:RequestTag/Environment": {env}, "aws:RequestTag/App": {"gangway"},
					"aws:TagKeys": {"App", "Environment", "ManagedBy", "Name"}}
			}
			for _, c := range []struct{ action, resource string }{
				{"ec2:CreateVpc", "vpc/vpc-new"}, {"ec2:CreateInternetGateway", "internet-gateway/igw-new"},
				{"ec2:CreateSubnet", "subnet/subnet-new"}, {"ec2:CreateSecurityGroup", "security-group/sg-new"}, {"ec2:CreateRouteTable", "route-table/rtb-new"},
				{"ec2:RunInstances", "instance/i-new"}, {"ec2:RunInstances", "volume/vol-new"}, {"ec2:RunInstances", "network-interface/eni-new"},
				{"ec2:AuthorizeSecurityGroupIngress", "security-group-rule/sgr-new"},
			} {
				v.allowed(r.name+": "+c.action+" "+c.resource, r.can(c.action, l.ec2(c.resource), create(strings.TrimPrefix(c.action, "ec2:"))))
				v.allowed(r.name+": tag "+c.resource+" at creation", r.can("ec2:CreateTags", l.ec2(c.resource), create(strings.TrimPrefix(c.action, "ec2:"))))
			}
			for _, c := range []struct{ action, resource string }{
				{"ec2:CreateSubnet", "vpc/vpc-" + env}, {"ec2:CreateSecurityGroup", "vpc/vpc-" + env}, {"ec2:AttachInternetGateway", "vpc/vpc-" + env},
				{"ec2:AttachInternetGateway", "internet-gateway/igw-" + env}, {"ec2:RunInstances", "subnet/subnet-" + env},
				{"ec2:RunInstances", "security-group/sg-" + env}, {"ec2:AuthorizeSecurityGroupIngress", "security-group/sg-" + env},
				{"ec2:RevokeSecurityGroupEgress", "security-group/sg-" + env}, {"ec2:CreateRoute", "route-table/rtb-" + env},
				{"ec2:AssociateRouteTable", "subnet/subnet-" + env},
				// Moving to the fleet releases the single host's Elastic IP.
				{"ec2:DisassociateAddress", "elastic-ip/eipalloc-" + env}, {"ec2:ReleaseAddress", "elastic-ip/eipalloc-" + env},
				{"ec2:TerminateInstances", "instance/i-" + env},
				{"ec2:DeleteVpc", "vpc/vpc-" + env},
			} {
				v.allowed(r.name+": "+c.action+" on its "+c.resource, r.can(c.action, l.ec2(c.resource), own))
			}
			v.allowed(r.name+": RunInstances with the Amazon Linux image", r.can("ec2:RunInstances", "arn:aws:ec2:"+region+"::image/ami-1", nil))
			v.never(r.name+": RunInstances with a key pair", r.can("ec2:RunInstances", l.ec2("key-pair/ops"), nil))
			v.allowed(r.name+": adopt the new VPC's default security group", r.can("ec2:CreateTags", l.ec2("security-group/sg-default"),
				ctx{"aws:RequestTag/Environment": {env}, "aws:TagKeys": {"App", "Environment", "ManagedBy", "Name"}}))
			v.allowed(r.name+": empty its default security group", r.can("ec2:RevokeSecurityGroupIngress", l.ec2("security-group/sg-default"), own))
			v.allowed(r.name+": revoke an untagged default rule", r.can("ec2:RevokeSecurityGroupIngress", l.ec2("security-group-rule/sgr-default"), nil))
			v.allowed(r.name+": retag its instance's Name", r.can("ec2:CreateTags", l.ec2("instance/i-"+env), with(own, "aws:TagKeys", "Name")))

			// The rollout.
			ssmOwn := ctx{"ssm:resourceTag/Environment": {env}, "ssm:resourceTag/App": {"gangway"}}
			v.allowed(r.name+": SendCommand to its host", r.can("ssm:SendCommand", l.ec2("instance/i-"+env), ssmOwn))
			v.allowed(r.name+": SendCommand AWS-RunShellScript", r.can("ssm:SendCommand", "arn:aws:ssm:"+region+"::document/AWS-RunShellScript", nil))
			v.never(r.name+": SendCommand another document", r.can("ssm:SendCommand", "arn:aws:ssm:"+region+"::document/AWS-RunPowerShellScript", nil))
			v.never(r.name+": SendCommand to an untagged instance", r.can("ssm:SendCommand", l.ec2("instance/i-other"), nil))
			v.allowed(r.name+": read command results", r.can("ssm:GetCommandInvocation", "*", ctx{"aws:RequestedRegion": {region}}))
			v.allowed(r.name+": record the digest parameter", r.can("ssm:PutParameter", l.arn("ssm", "parameter/gangway/"+env+"/digest"), nil))

			// Database, bucket, repository.
			v.allowed(r.name+": create its database", r.can("rds:CreateDBInstance", l.dbARN(env), nil))
			v.allowed(r.name+": create the managed password secret", r.can("secretsmanager:CreateSecret", l.arn("secretsmanager", "secret:rds!db-new"), nil))
			v.never(r.name+": read its database password", r.can("secretsmanager:GetSecretValue", l.arn("secretsmanager", "secret:rds!db-"+env),
				ctx{"secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn": {l.dbARN(env)}}))
			for _, a := range []string{"s3:CreateBucket", "s3:PutBucketPolicy", "s3:PutBucketVersioning", "s3:PutEncryptionConfiguration",
				"s3:PutBucketPublicAccessBlock", "s3:PutBucketOwnershipControls", "s3:PutLifecycleConfiguration", "s3:PutBucketTagging",
				"s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketWebsite", "s3:ListBucket", "s3:DeleteBucket"} {
				v.allowed(r.name+": "+a+" its bucket", r.can(a, l.bucket(env), nil))
			}
			for _, a := range []string{"ecr:CreateRepository", "ecr:PutLifecyclePolicy", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
				"ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage"} {
				v.allowed(r.name+": "+a+" its repository", r.can(a, l.repository(env), nil))
			}
			v.never(r.name+": push to another repository", r.can("ecr:PutImage", l.arn("ecr", "repository/other"), nil))
			if env == "test" {
				v.allowed(r.name+": empty its bucket on destroy", r.can("s3:DeleteObjectVersion", l.bucket(env)+"/x", nil))
				v.allowed(r.name+": put the repository policy for promotion", r.can("ecr:SetRepositoryPolicy", l.repository(env), nil))
			}
		}
	}},

	{"prod promotes from test's repository, and only pulls", func(l *layout, v *verdicts) {
		if !l.has("prod") {
			return
		}
		d := l.deploy("prod")
		source := l.repository("test") // the single-account layout
		var repoPolicy *iampolicy.Policy
		if !l.has("test") {
			// One account per environment: the test repository lives in the
			// test account and admits the prod deploy role.
			source = "arn:aws:ecr:" + region + ":111111111111:repository/gangway-test"
			repoPolicy = recommendedRepositoryPolicy(d.arn)
			v.never("pull across accounts without the repository policy", d.can("ecr:BatchGetImage", source, nil))
			v.never("another role of the prod account pulls", someone(l, "admin", allowEverything).canOn(repoPolicy, false, "ecr:BatchGetImage", source, nil))
		}
		for _, a := range []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability", "ecr:DescribeImages", "ecr:ListImages"} {
			v.allowed("prod: "+a+" on test's repository", d.canOn(repoPolicy, false, a, source, tagged("test")))
		}
		// In a shared account the isolation denies would hide a wide
		// Allow: judge the allows without them.
		for _, a := range []string{"ecr:PutImage", "ecr:BatchDeleteImage", "ecr:SetRepositoryPolicy", "ecr:DeleteRepository"} {
			v.never("prod: "+a+" on test's repository", d.without("DenyOtherEnvironment").canOn(repoPolicy, false, a, source, tagged("test")))
		}
	}},

	{"the deploy role builds and runs the fleet, for its environment only", func(l *layout, v *verdicts) {
		for env := range l.envs {
			r := l.deploy(env)
			own := tagged(env)
			create := func(extra ...string) ctx {
				return with(ctx{"aws:RequestTag/Environment": {env}, "aws:RequestTag/App": {"gangway"}, "aws:RequestTag/ManagedBy": {"terraform"},
					"aws:TagKeys": {"App", "Environment", "ManagedBy", "Name"}, "aws:RequestedRegion": {region}}, extra...)
			}
			for _, c := range []struct {
				what, action, resource string
				c                      ctx
			}{
				// The load balancer.
				{"create its load balancer", "elasticloadbalancing:CreateLoadBalancer", l.loadBalancer(env), create()},
				{"tag it at creation", "elasticloadbalancing:AddTags", l.loadBalancer(env), create("elasticloadbalancing:CreateAction", "CreateLoadBalancer")},
				{"create its target group", "elasticloadbalancing:CreateTargetGroup", l.targetGroup(env), create()},
				{"add a listener", "elasticloadbalancing:CreateListener", l.loadBalancer(env), own},
				{"tag the listener at creation", "elasticloadbalancing:AddTags", l.listener(env), create("elasticloadbalancing:CreateAction", "CreateListener")},
				{"switch the listener to the certificate", "elasticloadbalancing:ModifyListener", l.listener(env), own},
				{"set the deregistration delay", "elasticloadbalancing:ModifyTargetGroupAttributes", l.targetGroup(env), own},
				{"turn deletion protection on", "elasticloadbalancing:ModifyLoadBalancerAttributes", l.loadBalancer(env), own},
				{"deregister a host", "elasticloadbalancing:DeregisterTargets", l.targetGroup(env), own},
				{"delete its load balancer", "elasticloadbalancing:DeleteLoadBalancer", l.loadBalancer(env), own},
				{"read the load balancers", "elasticloadbalancing:DescribeLoadBalancers", "*", ctx{"aws:RequestedRegion": {region}}},
				{"create the load balancer's service-linked role", "iam:CreateServiceLinkedRole",
					l.iam("role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing"),
					ctx{"iam:AWSServiceName": {"elasticloadbalancing.amazonaws.com"}}},
				// The launch template and the group.
				{"create the launch template", "ec2:CreateLaunchTemplate", l.ec2("launch-template/lt-new"), create()},
				{"tag it at creation", "ec2:CreateTags", l.ec2("launch-template/lt-new"), create("ec2:CreateAction", "CreateLaunchTemplate")},
				{"add a template version", "ec2:CreateLaunchTemplateVersion", l.ec2("launch-template/lt-" + env), own},
				{"launch from its template", "ec2:RunInstances", l.ec2("launch-template/lt-" + env), own},
				{"create its group", "autoscaling:CreateAutoScalingGroup", l.group(env), create()},
				{"tag its group at creation", "autoscaling:CreateOrUpdateTags", l.group(env), create()},
				{"update its group", "autoscaling:UpdateAutoScalingGroup", l.group(env), groupTagged(env)},
				{"refresh its group", "autoscaling:StartInstanceRefresh", l.group(env), groupTagged(env)},
				{"delete its group", "autoscaling:DeleteAutoScalingGroup", l.group(env), groupTagged(env)},
				{"pass the host role to Auto Scaling", "iam:PassRole", l.iam("role/gangway-" + env + "-host"), ctx{"iam:PassedToService": {"autoscaling.amazonaws.com"}}},
				{"create Auto Scaling's service-linked role", "iam:CreateServiceLinkedRole",
					l.iam("role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"), ctx{"iam:AWSServiceName": {"autoscaling.amazonaws.com"}}},
				// The endpoints.
				{"create an endpoint", "ec2:CreateVpcEndpoint", l.ec2("vpc-endpoint/vpce-new"), create()},
				{"create an endpoint in its VPC", "ec2:CreateVpcEndpoint", l.ec2("vpc/vpc-" + env), own},
				{"tag the endpoint at creation", "ec2:CreateTags", l.ec2("vpc-endpoint/vpce-new"), create("ec2:CreateAction", "CreateVpcEndpoint")},
				{"delete its endpoints", "ec2:DeleteVpcEndpoints", l.ec2("vpc-endpoint/vpce-" + env), own},
				{"let the hosts reach S3's prefix list", "ec2:AuthorizeSecurityGroupEgress", "arn:aws:ec2:" + region + ":aws:prefix-list/pl-63a5400a", nil},
				{"give an endpoint private DNS", "route53:AssociateVPCWithHostedZone", l.zone("ZAWSPRIVATELINK"),
					ctx{"route53:VPCs": {"VPCId=vpc-" + env + ",VPCRegion=" + region}}},
				// The certificate.
				{"request a certificate", "acm:RequestCertificate", l.arn("acm", "certificate/new"), create()},
				{"tag it at the request", "acm:AddTagsToCertificate", l.arn("acm", "certificate/new"), create()},
				{"read its certificate", "acm:DescribeCertificate", l.arn("acm", "certificate/"+env), own},
				{"delete its certificate", "acm:DeleteCertificate", l.arn("acm", "certificate/"+env), own},
				// Logs, alarms, the topic, the keys, the parameters.
				{"create its log group", "logs:CreateLogGroup", l.logGroup(env), nil},
				{"encrypt its log group", "logs:AssociateKmsKey", l.logGroup(env), nil},
				{"set the retention", "logs:PutRetentionPolicy", l.logGroup(env), nil},
				{"create the 5xx alarm", "cloudwatch:PutMetricAlarm", l.alarm(env, "5xx"), create()},
				{"tag an alarm", "cloudwatch:TagResource", l.alarm(env, "db-cpu"), create()},
				{"delete an alarm", "cloudwatch:DeleteAlarms", l.alarm(env, "unhealthy-hosts"), nil},
				{"create the alarm topic", "sns:CreateTopic", l.topic(env), create()},
				{"tag the topic at creation", "sns:TagResource", l.topic(env), create()},
				{"encrypt the topic", "sns:SetTopicAttributes", l.topic(env), own},
				{"subscribe the alarm address", "sns:Subscribe", l.topic(env), own},
				{"create a key", "kms:CreateKey", "*", create()},
				{"tag the new key", "kms:TagResource", l.arn("kms", "key/new"), create()},
				{"turn its key's rotation on", "kms:EnableKeyRotation", l.arn("kms", "key/logs-"+env), ownKey(env)},
				{"update its key policy", "kms:PutKeyPolicy", l.arn("kms", "key/logs-"+env), ownKey(env)},
				{"schedule its key's deletion", "kms:ScheduleKeyDeletion", l.arn("kms", "key/alarms-"+env), ownKey(env)},
				{"name its key (the alias)", "kms:CreateAlias", l.arn("kms", "alias/gangway-"+env+"-logs"), nil},
				{"name its key (the key)", "kms:CreateAlias", l.arn("kms", "key/logs-"+env), ownKey(env)},
				{"create the image parameter", "ssm:PutParameter", l.parameter(env, "image"), create()},
				{"record the rollout script", "ssm:PutParameter", l.parameter(env, "rollout-script"), nil},
				{"read the image parameter", "ssm:GetParameter", l.parameter(env, "image"), nil},
			} {
				v.allowed(r.name+": "+c.what, r.can(c.action, c.resource, c.c))
			}
			if d, ok := l.domains[env]; ok {
				v.allowed(r.name+": write its domain's alias", r.can("route53:ChangeResourceRecordSets", l.zone(d.zone), records("A", d.name)))
				v.allowed(r.name+": write ACM's validation record", r.can("route53:ChangeResourceRecordSets", l.zone(d.zone), records("CNAME", "_0123abcd."+d.name)))
				v.allowed(r.name+": wait for the change", r.can("route53:GetChange", "arn:aws:route53:::change/C0123", nil))
			}

			// Its own environment, but not what it may touch: untagged or
			// misnamed resources, the bootstrap's keys, other services.
			for _, a := range []attack{
				{"create a load balancer without its tag", "elasticloadbalancing:CreateLoadBalancer", l.loadBalancer(env), nil},
				{"create a load balancer of another name", "elasticloadbalancing:CreateLoadBalancer", l.elb("loadbalancer/app/other/1"), create()},
				{"change an untagged load balancer named for it", "elasticloadbalancing:ModifyLoadBalancerAttributes", l.loadBalancer(env), nil},
				{"tag an untagged load balancer", "elasticloadbalancing:AddTags", l.loadBalancer(env), create()},
				{"create a group without its tag", "autoscaling:CreateAutoScalingGroup", l.group(env), nil},
				{"update an untagged group named for it", "autoscaling:UpdateAutoScalingGroup", l.group(env), nil},
				{"update another group", "autoscaling:UpdateAutoScalingGroup", l.arn("autoscaling", "autoScalingGroup:x:autoScalingGroupName/other"), groupTagged(env)},
				{"create a launch template without its tag", "ec2:CreateLaunchTemplate", l.ec2("launch-template/lt-new"), nil},
				{"create an endpoint without its tag", "ec2:CreateVpcEndpoint", l.ec2("vpc-endpoint/vpce-new"), nil},
				{"request a certificate without its tag", "acm:RequestCertificate", l.arn("acm", "certificate/new"), nil},
				{"delete an untagged certificate", "acm:DeleteCertificate", l.arn("acm", "certificate/x"), nil},
				{"create an alarm of another name", "cloudwatch:PutMetricAlarm", l.arn("cloudwatch", "alarm:billing"), create()},
				{"publish to another topic", "sns:SetTopicAttributes", l.arn("sns", "billing-alerts"), own},
				{"create a key without its tag", "kms:CreateKey", "*", nil},
				{"rewrite the bootstrap's plans key policy", "kms:PutKeyPolicy", l.arn("kms", "key/plans-"+env), with(own, "aws:ResourceTag/ManagedBy", "terraform-bootstrap")},
				{"delete the bootstrap's plans key", "kms:ScheduleKeyDeletion", l.arn("kms", "key/plans-"+env), with(own, "aws:ResourceTag/ManagedBy", "terraform-bootstrap")},
				{"claim a key tagged for something else", "kms:TagResource", l.arn("kms", "key/other"),
					ctx{"aws:ResourceTag/Environment": {"shared"}, "aws:RequestTag/Environment": {env}, "aws:TagKeys": {"Environment"}}},
				{"rename another key's alias", "kms:UpdateAlias", l.arn("kms", "alias/gangway-"+env+"-plans"), nil},
				{"pass the host role to Lambda", "iam:PassRole", l.iam("role/gangway-" + env + "-host"), ctx{"iam:PassedToService": {"lambda.amazonaws.com"}}},
				{"create RDS's service-linked role", "iam:CreateServiceLinkedRole", l.iam("role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS"),
					ctx{"iam:AWSServiceName": {"rds.amazonaws.com"}}},
				{"allocate an Elastic IP", "ec2:AllocateAddress", l.ec2("elastic-ip/eipalloc-new"), create()},
				{"write a parameter outside /gangway/" + env, "ssm:PutParameter", l.arn("ssm", "parameter/other/image"), nil},
				{"open a rule to a prefix list of the account", "ec2:AuthorizeSecurityGroupEgress", l.ec2("prefix-list/pl-0123456789abcdef0"), nil},
			} {
				v.never(r.name+": "+a.what, r.can(a.action, a.resource, a.c))
			}
		}
	}},

	{"DNS: only the environment's own records in its zone", func(l *layout, v *verdicts) {
		for env := range l.envs {
			r := l.deploy(env)
			d, ok := l.domains[env]
			if !ok {
				// Plain HTTP: no Route 53 write at all.
				v.never(r.name+": write a record without a domain", r.can("route53:ChangeResourceRecordSets", l.zone("Z0ANYZONE"), records("A", "x.example.com")))
				continue
			}
			v.never(r.name+": a TXT record for its domain", r.can("route53:ChangeResourceRecordSets", l.zone(d.zone), records("TXT", d.name)))
			v.never(r.name+": a name outside its domain", r.can("route53:ChangeResourceRecordSets", l.zone(d.zone), records("A", "www.example.com")))
			v.never(r.name+": its name and another in one batch", r.can("route53:ChangeResourceRecordSets", l.zone(d.zone), records("A", d.name, "mail.example.com")))
			v.never(r.name+": its name in another zone", r.can("route53:ChangeResourceRecordSets", l.zone("Z0OTHERZONE0000000000"), records("A", d.name)))
			if od, ok := l.domains[other(env)]; ok && l.has(other(env)) {
				v.never(r.name+": the "+other(env)+" alias", r.can("route53:ChangeResourceRecordSets", l.zone(od.zone), records("A", od.name)))
				// A parent domain's _* pattern also covers a subdomain's
				// underscore names (README, Limits): checked where the other
				// domain is not under this one.
				if !strings.HasSuffix(od.name, "."+d.name) {
					v.never(r.name+": the "+other(env)+" validation record", r.can("route53:ChangeResourceRecordSets", l.zone(od.zone), records("CNAME", "_0123abcd."+od.name)))
				}
			}
		}
	}},

	{"plan roles read the serving layer and change nothing of it", func(l *layout, v *verdicts) {
		for env := range l.envs {
			r := l.plan(env)
			own := tagged(env)
			rg := ctx{"aws:RequestedRegion": {region}}
			for _, c := range []struct {
				what, action, resource string
				c                      ctx
			}{
				{"read the load balancers", "elasticloadbalancing:DescribeLoadBalancers", "*", rg},
				{"read the target groups' attributes", "elasticloadbalancing:DescribeTargetGroupAttributes", "*", rg},
				{"read the groups", "autoscaling:DescribeAutoScalingGroups", "*", rg},
				{"read the alarms", "cloudwatch:DescribeAlarms", "*", rg},
				{"read the alarms' tags", "cloudwatch:ListTagsForResource", l.alarm(env, "5xx"), nil},
				{"read the topic", "sns:GetTopicAttributes", l.topic(env), nil},
				{"read its certificate", "acm:DescribeCertificate", l.arn("acm", "certificate/"+env), ownKey(env)},
				{"read its key policy", "kms:GetKeyPolicy", l.arn("kms", "key/logs-"+env), ownKey(env)},
				{"read the aliases", "kms:ListAliases", "*", rg},
			} {
				v.allowed(r.name+": "+c.what, r.can(c.action, c.resource, c.c))
			}
			if d, ok := l.domains[env]; ok {
				v.allowed(r.name+": read its zone's records", r.can("route53:ListResourceRecordSets", l.zone(d.zone), nil))
				v.never(r.name+": write its domain's alias", r.can("route53:ChangeResourceRecordSets", l.zone(d.zone), records("A", d.name)))
			}
			for _, a := range []attack{
				{"delete its load balancer", "elasticloadbalancing:DeleteLoadBalancer", l.loadBalancer(env), own},
				{"point its listener elsewhere", "elasticloadbalancing:ModifyListener", l.listener(env), own},
				{"register a host", "elasticloadbalancing:RegisterTargets", l.targetGroup(env), own},
				{"scale its group", "autoscaling:UpdateAutoScalingGroup", l.group(env), groupTagged(env)},
				{"change its launch template", "ec2:CreateLaunchTemplateVersion", l.ec2("launch-template/lt-" + env), own},
				{"silence its 5xx alarm", "cloudwatch:PutMetricAlarm", l.alarm(env, "5xx"), nil},
				{"subscribe to its topic", "sns:Subscribe", l.topic(env), nil},
				{"rewrite its key policy", "kms:PutKeyPolicy", l.arn("kms", "key/logs-"+env), ownKey(env)},
				{"delete its certificate", "acm:DeleteCertificate", l.arn("acm", "certificate/"+env), ownKey(env)},
				{"delete its log group", "logs:DeleteLogGroup", l.logGroup(env), nil},
				{"record a digest", "ssm:PutParameter", l.parameter(env, "image"), nil},
			} {
				v.never(r.name+": "+a.what, r.can(a.action, a.resource, a.c))
			}
		}
	}},

	{"the host assumes only itself and writes only its log group", func(l *layout, v *verdicts) {
		for env := range l.envs {
			host := &role{name: "gangway-" + env + "-host", arn: l.iam("role/gangway-" + env + "-host"), identity: []*iampolicy.Policy{allowEverything}}
			b := l.boundary(env)
			can := func(action, resource string, c ctx) iampolicy.Result {
				return iampolicy.Evaluate(host.request(action, resource, c), iampolicy.Policies{Identity: host.identity, Boundary: b})
			}
			v.allowed(host.name+": assume itself for the app's credentials", can("sts:AssumeRole", host.arn, nil))
			v.allowed(host.name+": create its stream", can("logs:CreateLogStream", l.logGroup(env)+":log-stream:i-1/gangway-blue/0123abcd", nil))
			v.allowed(host.name+": read its rollout script", can("ssm:GetParameter", l.parameter(env, "rollout-script"), nil))
			for _, a := range []attack{
				{"assume the " + other(env) + " host role", "sts:AssumeRole", l.iam("role/gangway-" + other(env) + "-host"), nil},
				{"assume its deploy role", "sts:AssumeRole", l.iam("role/gangway-" + env + "-deploy"), nil},
				{"assume another role", "sts:AssumeRole", l.iam("role/admin"), nil},
				{"write another log group of its environment", "logs:PutLogEvents", l.arn("logs", "log-group:/gangway/"+env+"/audit:log-stream:x"), nil},
				{"delete its log group", "logs:DeleteLogGroup", l.logGroup(env), nil},
				{"record a digest", "ssm:PutParameter", l.parameter(env, "image"), nil},
			} {
				v.never(host.name+": "+a.what, can(a.action, a.resource, a.c))
			}
		}
	}},
}

// recommendedRepositoryPolicy is the repository policy that
// terraform/storage.tf should put on gangway-test when prod has its own
// account (see the bootstrap README).
func recommendedRepositoryPolicy(prodDeployRole string) *iampolicy.Policy {
	p := iampolicy.MustParse(`{
	  "Version": "2012-10-17",
	  "Statement": [{
	    "Sid": "ProdDeployRolePullsForPromotion",
	    "Effect": "Allow",
	    "Principal": {"AWS": "` + prodDeployRole + `"},
	    "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:DescribeImages", "ecr:GetDownloadUrlForLayer", "ecr:ListImages"]
	  }]
	}`)
	p.Name = "gangway-test repository policy"
	return p
}

// --- the test ------------------------------------------------------------------

func TestBootstrapPolicies(t *testing.T) {
	raws := loadBootstrap(t)
	layouts := map[string]*layout{}
	var names []string
	for name, raw := range raws {
		l, err := raw.parse()
		if err != nil {
			t.Fatalf("layout %s: %v", name, err)
		}
		layouts[name] = l
		names = append(names, name)
	}
	sort.Strings(names)

	t.Run("checks", func(t *testing.T) {
		for _, c := range checks {
			for _, name := range names {
				t.Run(c.name+"/"+name, func(t *testing.T) {
					t.Parallel()
					var v verdicts
					c.run(layouts[name], &v)
					if err := v.err(); err != nil {
						t.Error(err)
					}
				})
			}
		}
	})

	t.Run("sizes", func(t *testing.T) {
		for _, name := range names {
			checkSizes(t, raws[name])
		}
	})

	// Which checks each mutation made fail: every check must be made to
	// fail by at least one mutation, or it is not shown to test anything.
	var mu sync.Mutex
	failedChecks := map[string]bool{}
	t.Run("mutations", func(t *testing.T) {
		for _, m := range mutations {
			t.Run(m.name, func(t *testing.T) {
				t.Parallel()
				changed := false
				mutated := map[string]*layout{}
				for _, name := range names {
					raw := raws[name].clone()
					if m.apply(raw) {
						changed = true
					}
					l, err := raw.parse()
					if err != nil {
						t.Fatalf("layout %s after the mutation: %v", name, err)
					}
					mutated[name] = l
				}
				if !changed {
					t.Fatalf("the mutation changed no document: its target is gone, update the table")
				}
				var caught []string
				for _, c := range checks {
					for _, name := range names {
						var v verdicts
						c.run(mutated[name], &v)
						if len(v.failures) > 0 {
							caught = append(caught, fmt.Sprintf("%q/%s (%s)", c.name, name, v.failures[0]))
							mu.Lock()
							failedChecks[c.name] = true
							mu.Unlock()
						}
					}
				}
				if len(caught) == 0 {
					t.Errorf("mutation %q survived: every check still passes", m.name)
					return
				}
				t.Logf("caught by %d check(s), first: %s", len(caught), caught[0])
			})
		}
	})
	if !t.Failed() {
		for _, c := range checks {
			if !failedChecks[c.name] {
				t.Errorf("check %q fails on no mutation: seed a bad statement that it catches", c.name)
			}
		}
	}
}

// checkSizes holds the documents to AWS's limits (non-whitespace
// characters): 10,240 of inline policy per role, 6,144 per managed
// policy, 2,048 per trust policy (the default quota), 32,768 per key
// policy; and at most 10 managed policies per role.
var whitespace = regexp.MustCompile(`\s`)

func checkSizes(t *testing.T, raw *rawLayout) {
	t.Helper()
	for key, doc := range raw.docs {
		kind, _, _ := strings.Cut(key, ":")
		limit := map[string]int{"inline": 10240, "managed": 6144, "trust": 2048, "key": 32768, "bucket": 20480}[kind]
		if n := len(whitespace.ReplaceAllString(doc, "")); n > limit {
			t.Errorf("%s: %s is %d characters, AWS allows %d", raw.spec.name, key, n, limit)
		}
	}
	for role, attached := range raw.attached {
		if len(attached) > 10 {
			t.Errorf("%s: %s has %d managed policies, AWS allows 10", raw.spec.name, role, len(attached))
		}
	}
}

// --- mutations: each seeds one bad statement; some check must fail -----------

type mutation struct {
	name string
	// apply edits the layout's documents and reports whether it changed any.
	apply func(l *rawLayout) bool
}

// editDoc decodes a document, lets f change it, and encodes it again.
func editDoc(l *rawLayout, key string, f func(doc map[string]any) bool) bool {
	src, ok := l.docs[key]
	if !ok {
		return false
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(src), &doc); err != nil {
		panic(fmt.Sprintf("%s: %v", key, err))
	}
	if !f(doc) {
		return false
	}
	out, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	l.docs[key] = string(out)
	return true
}

func statementList(doc map[string]any) []any {
	switch s := doc["Statement"].(type) {
	case []any:
		return s
	case map[string]any:
		return []any{s}
	}
	return nil
}

// addStatement appends a statement to a document.
func addStatement(key string, statement string) func(*rawLayout) bool {
	return func(l *rawLayout) bool {
		return editDoc(l, key, func(doc map[string]any) bool {
			var st map[string]any
			if err := json.Unmarshal([]byte(strings.ReplaceAll(statement, "ACCOUNT", l.spec.account)), &st); err != nil {
				panic(err)
			}
			doc["Statement"] = append(statementList(doc), st)
			return true
		})
	}
}

// dropStatement removes the statement with the given Sid.
func dropStatement(key, sid string) func(*rawLayout) bool {
	return func(l *rawLayout) bool {
		return editDoc(l, key, func(doc map[string]any) bool {
			var kept []any
			for _, st := range statementList(doc) {
				if st.(map[string]any)["Sid"] != sid {
					kept = append(kept, st)
				}
			}
			changed := len(kept) != len(statementList(doc))
			doc["Statement"] = kept
			return changed
		})
	}
}

// editStatement changes the statement with the given Sid.
func editStatement(key, sid string, f func(l *rawLayout, st map[string]any)) func(*rawLayout) bool {
	return func(l *rawLayout) bool {
		return editDoc(l, key, func(doc map[string]any) bool {
			for _, st := range statementList(doc) {
				if m := st.(map[string]any); m["Sid"] == sid {
					f(l, m)
					return true
				}
			}
			return false
		})
	}
}

var mutations = []mutation{
	{"test role may CreateTags on * without conditions",
		addStatement("inline:gangway-test-deploy", `{"Sid":"Seeded","Effect":"Allow","Action":"ec2:CreateTags","Resource":"*"}`)},
	{"test role may SendCommand to any instance",
		editStatement("inline:gangway-test-deploy", "SsmOwnInstances", func(_ *rawLayout, st map[string]any) { delete(st, "Condition") })},
	{"EC2 changes no longer need the own Environment tag",
		editStatement("managed:gangway-test-deploy-ec2", "Ec2OwnResources", func(_ *rawLayout, st map[string]any) { delete(st, "Condition") })},
	{"tagging at creation no longer needs the own Environment",
		editStatement("managed:gangway-test-deploy-ec2", "Ec2TagOnCreate", func(_ *rawLayout, st map[string]any) {
			delete(st["Condition"].(map[string]any)["StringEquals"].(map[string]any), "aws:RequestTag/Environment")
		})},
	{"the deny on the Environment tag is dropped",
		dropStatement("inline:gangway-test-deploy", "DenyEnvironmentTagChange")},
	{"the deny on deleting every tag is dropped",
		dropStatement("inline:gangway-prod-deploy", "DenyDeleteAllTags")},
	{"the deny on the pipeline's roles is dropped",
		dropStatement("inline:gangway-test-deploy", "DenyPipelineRoleChanges")},
	{"IAM management widened to every gangway-test-* role",
		editStatement("inline:gangway-test-deploy", "IamHostRole", func(l *rawLayout, st map[string]any) {
			st["Resource"] = "arn:aws:iam::" + l.spec.account + ":role/gangway-test-*"
		})},
	{"roles may be created without the boundary",
		editStatement("inline:gangway-prod-deploy", "IamHostRoleWithBoundary", func(_ *rawLayout, st map[string]any) { delete(st, "Condition") })},
	{"the shared-account deny on tagged resources is dropped",
		dropStatement("inline:gangway-test-deploy", "DenyOtherEnvironmentTagged")},
	{"the shared-account deny on named resources is dropped",
		dropStatement("inline:gangway-prod-plan", "DenyOtherEnvironmentNamed")},
	{"plan role may write gangway/test/*",
		editStatement("inline:gangway-test-plan", "StateLock", func(l *rawLayout, st map[string]any) {
			st["Resource"] = "arn:aws:s3:::gangway-tfstate-" + l.spec.account + "/gangway/test/*"
		})},
	{"plan role may save plans without encryption",
		editStatement("inline:gangway-prod-plan", "SavePlans", func(_ *rawLayout, st map[string]any) { delete(st, "Condition") })},
	{"prod may read its app bucket's objects",
		addStatement("inline:gangway-prod-deploy", `{"Sid":"Seeded","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::gangway-prod-app-*/*"}`)},
	{"prod may read test's state",
		addStatement("inline:gangway-prod-deploy", `{"Sid":"Seeded","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::gangway-tfstate-ACCOUNT/gangway/test/*"}`)},
	{"test may push to every repository",
		editStatement("managed:gangway-test-deploy-data", "EcrOwnRepository", func(l *rawLayout, st map[string]any) {
			st["Resource"] = "arn:aws:ecr:" + region + ":" + l.spec.account + ":repository/*"
		})},
	{"the test deploy subject is loosened to repo:O/R:*",
		editStatement("trust:gangway-test-deploy", "GitHubDeployJob", func(_ *rawLayout, st map[string]any) {
			st["Condition"] = map[string]any{
				"StringEquals": map[string]any{"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
				"StringLike":   map[string]any{"token.actions.githubusercontent.com:sub": "repo:" + repo + ":*"},
			}
		})},
	{"the prod deploy subject admits any branch",
		editStatement("trust:gangway-prod-deploy", "GitHubDeployJob", func(_ *rawLayout, st map[string]any) {
			st["Condition"] = map[string]any{
				"StringEquals": map[string]any{"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
				"StringLike":   map[string]any{"token.actions.githubusercontent.com:sub": "repo:" + repo + ":environment:production:job_workflow_ref:" + repo + "/.github/workflows/prod.yml@refs/heads/*"},
			}
		})},
	{"the audience is no longer checked",
		editStatement("trust:gangway-test-deploy", "GitHubDeployJob", func(_ *rawLayout, st map[string]any) {
			delete(st["Condition"].(map[string]any)["StringEquals"].(map[string]any), "token.actions.githubusercontent.com:aud")
		})},
	{"the prod preview role may take the state lock",
		dropStatement("inline:gangway-prod-preview", "DenyStateWrites")},
	{"any workflow's pull request may assume the prod preview role",
		editStatement("trust:gangway-prod-preview", "GitHubPullRequestPreview", func(_ *rawLayout, st map[string]any) {
			st["Condition"].(map[string]any)["StringLike"] = map[string]any{"token.actions.githubusercontent.com:sub": "repo:" + repo + ":pull_request:*"}
		})},
	{"pull requests may assume the prod plan role",
		addStatement("trust:gangway-prod-plan", `{"Sid":"Seeded","Effect":"Allow","Action":"sts:AssumeRoleWithWebIdentity",
			"Principal":{"Federated":"arn:aws:iam::ACCOUNT:oidc-provider/token.actions.githubusercontent.com"},
			"Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:`+repo+`:pull_request:*"}}}`)},
	{"the host boundary reads every parameter",
		editStatement("managed:gangway-test-host-boundary", "SsmOwnParameters", func(_ *rawLayout, st map[string]any) { st["Resource"] = "*" })},
	{"the host boundary reads every DB secret",
		editStatement("managed:gangway-prod-host-boundary", "ReadOwnDbSecret", func(_ *rawLayout, st map[string]any) { delete(st, "Condition") })},
	{"the account's administrators may sign attestations",
		editStatement("key:attestation", "AccountAdministers", func(_ *rawLayout, st map[string]any) {
			st["Action"] = append(st["Action"].([]any), "kms:Sign")
		})},
	{"the deny on signing by others is dropped",
		dropStatement("key:attestation", "DenySignByAnyoneElse")},
	{"the test deploy role may administer the attestation key",
		dropStatement("key:attestation", "DenyPipelineRolesAnythingElse")},
	{"the plan role may decrypt plans",
		editStatement("key:plans-test", "PlanRoleEncryptsThroughS3", func(_ *rawLayout, st map[string]any) {
			st["Action"] = []any{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}
		})},
	{"the deny on decrypting plans by others is dropped",
		dropStatement("key:plans-prod", "DenyDecryptByAnyoneElse")},
	{"prod may push to test's repository",
		addStatement("inline:gangway-prod-deploy", `{"Sid":"Seeded","Effect":"Allow","Action":"ecr:PutImage","Resource":"arn:aws:ecr:`+region+`:*:repository/gangway-test"}`)},
	// The serving layer.
	{"load balancer changes no longer need the own Environment tag",
		editStatement("managed:gangway-test-deploy-serving", "ElbOwnResources", func(_ *rawLayout, st map[string]any) { delete(st, "Condition") })},
	{"load balancers may be created for any environment",
		editStatement("managed:gangway-prod-deploy-serving", "ElbCreate", func(_ *rawLayout, st map[string]any) { delete(st, "Condition") })},
	{"groups may be created without the own Environment tag",
		editStatement("managed:gangway-test-deploy-serving", "AutoScalingCreate", func(_ *rawLayout, st map[string]any) { delete(st, "Condition") })},
	{"group changes no longer need the own Environment tag",
		editStatement("managed:gangway-prod-deploy-serving", "AutoScalingOwnGroup", func(_ *rawLayout, st map[string]any) { delete(st, "Condition") })},
	{"group changes on every group",
		editStatement("managed:gangway-test-deploy-serving", "AutoScalingOwnGroup", func(l *rawLayout, st map[string]any) {
			st["Resource"] = "arn:aws:autoscaling:" + region + ":" + l.spec.account + ":autoScalingGroup:*"
			delete(st, "Condition")
		})},
	{"launch templates and endpoints may be created untagged",
		editStatement("managed:gangway-test-deploy-ec2", "Ec2CreateTaggedForEnvironment", func(_ *rawLayout, st map[string]any) { delete(st, "Condition") })},
	{"the named deny misses the other environment's load balancer and group",
		editStatement("inline:gangway-test-deploy", "DenyOtherEnvironmentNamed", func(_ *rawLayout, st map[string]any) {
			var kept []any
			for _, r := range st["Resource"].([]any) {
				if s := r.(string); !strings.Contains(s, ":elasticloadbalancing:") && !strings.Contains(s, ":autoscaling:") {
					kept = append(kept, r)
				}
			}
			st["Resource"] = kept
		})},
	{"the named deny misses the other environment's alarms",
		editStatement("inline:gangway-prod-plan", "DenyOtherEnvironmentNamed", func(_ *rawLayout, st map[string]any) {
			var kept []any
			for _, r := range st["Resource"].([]any) {
				if !strings.Contains(r.(string), ":cloudwatch:") {
					kept = append(kept, r)
				}
			}
			st["Resource"] = kept
		})},
	{"certificates may be requested for any environment",
		editStatement("managed:gangway-test-deploy-serving", "AcmRequest", func(_ *rawLayout, st map[string]any) { delete(st, "Condition") })},
	{"Route 53 writes any name in the zone",
		editStatement("managed:gangway-test-deploy-serving", "Route53OwnRecords", func(_ *rawLayout, st map[string]any) {
			delete(st["Condition"].(map[string]any), "ForAllValues:StringLike")
		})},
	{"Route 53 writes any record type",
		editStatement("managed:gangway-prod-deploy-serving", "Route53OwnRecords", func(_ *rawLayout, st map[string]any) {
			delete(st["Condition"].(map[string]any), "ForAllValues:StringEquals")
		})},
	{"Route 53 writes in every zone",
		addStatement("managed:gangway-test-deploy-serving", `{"Sid":"Seeded","Effect":"Allow","Action":"route53:ChangeResourceRecordSets","Resource":"arn:aws:route53:::hostedzone/*"}`)},
	{"alarms of any name",
		editStatement("managed:gangway-prod-deploy-monitoring", "CloudWatchOwnAlarms", func(l *rawLayout, st map[string]any) {
			st["Resource"] = "arn:aws:cloudwatch:" + region + ":" + l.spec.account + ":alarm:*"
		})},
	{"topics of any name",
		editStatement("managed:gangway-test-deploy-monitoring", "SnsOwnTopics", func(l *rawLayout, st map[string]any) {
			st["Resource"] = "arn:aws:sns:" + region + ":" + l.spec.account + ":*"
		})},
	{"keys may be created untagged",
		editStatement("managed:gangway-test-deploy-monitoring", "KmsCreateKey", func(_ *rawLayout, st map[string]any) { delete(st, "Condition") })},
	{"key management on every key",
		editStatement("managed:gangway-prod-deploy-monitoring", "KmsOwnKeys", func(_ *rawLayout, st map[string]any) { delete(st, "Condition") })},
	{"key management reaches the bootstrap's keys",
		editStatement("managed:gangway-test-deploy-monitoring", "KmsOwnKeys", func(_ *rawLayout, st map[string]any) {
			delete(st["Condition"].(map[string]any)["StringEquals"].(map[string]any), "aws:ResourceTag/ManagedBy")
		})},
	{"any key may be claimed by tagging it",
		editStatement("managed:gangway-test-deploy-monitoring", "KmsTagOnCreate", func(_ *rawLayout, st map[string]any) {
			delete(st["Condition"].(map[string]any), "Null")
		})},
	{"the host role may be passed to any service",
		editStatement("inline:gangway-test-deploy", "PassHostRoleToEc2", func(_ *rawLayout, st map[string]any) { delete(st, "Condition") })},
	{"any service-linked role",
		editStatement("inline:gangway-prod-deploy", "ServiceLinkedRolesForServing", func(l *rawLayout, st map[string]any) {
			st["Resource"] = "arn:aws:iam::" + l.spec.account + ":role/aws-service-role/*"
			delete(st, "Condition")
		})},
	{"the plan role may delete load balancers",
		addStatement("inline:gangway-test-plan", `{"Sid":"Seeded","Effect":"Allow","Action":"elasticloadbalancing:DeleteLoadBalancer","Resource":"*"}`)},
	{"the plan role may record digests",
		addStatement("inline:gangway-prod-plan", `{"Sid":"Seeded","Effect":"Allow","Action":"ssm:PutParameter","Resource":"arn:aws:ssm:`+region+`:ACCOUNT:parameter/gangway/prod/*"}`)},
	{"the host boundary may assume any role",
		editStatement("managed:gangway-test-host-boundary", "AssumeOwnHostRole", func(_ *rawLayout, st map[string]any) { st["Resource"] = "*" })},
	{"the host boundary writes every log group of its environment",
		editStatement("managed:gangway-prod-host-boundary", "WriteOwnLogs", func(l *rawLayout, st map[string]any) {
			st["Resource"] = "arn:aws:logs:" + region + ":" + l.spec.account + ":log-group:/gangway/prod/*"
		})},
	{"egress rules to any account's prefix lists",
		editStatement("managed:gangway-test-deploy-ec2", "Ec2AwsManagedPrefixLists", func(_ *rawLayout, st map[string]any) {
			st["Resource"] = "arn:aws:ec2:" + region + ":*:prefix-list/*"
		})},
	{"the deploy role may allocate Elastic IPs again",
		addStatement("managed:gangway-test-deploy-ec2", `{"Sid":"Seeded","Effect":"Allow","Action":"ec2:AllocateAddress","Resource":"*"}`)},
	{"the serving policy's load balancer creation is dropped",
		dropStatement("managed:gangway-prod-deploy-serving", "ElbCreate")},
	{"the host boundary's self-assumption is dropped",
		dropStatement("managed:gangway-test-host-boundary", "AssumeOwnHostRole")},
	// Seeded restrictions: the checks of what the pipeline needs must fail.
	{"the promotion pull is dropped",
		dropStatement("inline:gangway-prod-deploy", "EcrPullTestForPromotion")},
	{"the rollout's document is dropped",
		dropStatement("inline:gangway-test-deploy", "SsmRunShellScript")},
}
