package localflow

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/gangway-dev/gangway/ci/steps"
	"github.com/gangway-dev/gangway/ci/tf"
)

// The change made behind Terraform's back: the database opened to the
// world, as a hurried hand in the console would.
const (
	driftEnv      = "prod"
	driftResource = "aws_security_group.db"
	driftCIDR     = "0.0.0.0/0"
)

// checkDrift is drift.yml's daily job, shown working: it changes prod's
// database security group through the emulator's EC2 API, runs the drift
// check, requires it to name that group, and puts the rule back.
func (f *flow) checkDrift(ctx context.Context) (string, error) {
	admin, err := f.awsConfig(ctx, driftEnv, administrator)
	if err != nil {
		return "", err
	}
	api := ec2.NewFromConfig(admin)
	groups, err := api.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{
		Filters: []ec2types.Filter{{Name: aws.String("group-name"), Values: []string{"gangway-" + driftEnv + "-db"}}},
	})
	if err != nil {
		return "", fmt.Errorf("finding the database security group: %w", err)
	}
	if len(groups.SecurityGroups) != 1 {
		return "", fmt.Errorf("found %d security groups named gangway-%s-db, want 1", len(groups.SecurityGroups), driftEnv)
	}
	rule := &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId:    groups.SecurityGroups[0].GroupId,
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(5432), ToPort: aws.Int32(5432), CidrIp: aws.String(driftCIDR),
	}
	if _, err := api.AuthorizeSecurityGroupIngress(ctx, rule); err != nil {
		return "", fmt.Errorf("changing the database security group: %w", err)
	}
	f.logf("behind Terraform's back: %s now admits PostgreSQL from %s", driftResource, driftCIDR)
	defer func() {
		// Undo the change so the next run starts from a clean environment.
		if _, err := api.RevokeSecurityGroupIngress(context.WithoutCancel(ctx), &ec2.RevokeSecurityGroupIngressInput{
			GroupId: rule.GroupId, IpProtocol: rule.IpProtocol, FromPort: rule.FromPort, ToPort: rule.ToPort, CidrIp: rule.CidrIp,
		}); err != nil {
			f.logf("warning: could not remove the rule the drift check added: %v", err)
		}
	}()
	d, err := f.drift(ctx, driftEnv)
	if err != nil {
		return "", err
	}
	f.report.Drift = d
	f.logf("%s", d.Markdown())
	i := slices.IndexFunc(d.Resources, func(r tf.DriftResource) bool { return r.Address == driftResource })
	if i < 0 {
		return "", fmt.Errorf("the drift check missed the change to %s: it reported %d drifted resource(s)", driftResource, len(d.Resources))
	}
	return fmt.Sprintf("drift check reported %d drifted resource(s) in %s, including %s (%s)", len(d.Resources), driftEnv, driftResource, attributeNames(d.Resources[i])), nil
}

// drift runs `pipeline drift`, which exits 1 with its report when the
// environment drifted.
func (f *flow) drift(ctx context.Context, env string) (*tf.Drift, error) {
	args, err := steps.DriftArgs(localSteps{f: f}.tfDir(), env, f.opts.Dir+"/drift-"+env+".md")
	if err != nil {
		return nil, err
	}
	var d tf.Drift
	err = f.step(ctx, env, planRole, &d, args[1:]...)
	if err != nil && !d.Drifted {
		return nil, err
	}
	return &d, nil
}

func attributeNames(r tf.DriftResource) string {
	var names []string
	for _, a := range r.Attributes {
		names = append(names, a.Name)
	}
	if len(names) == 0 {
		return r.Action
	}
	return fmt.Sprint(names)
}
