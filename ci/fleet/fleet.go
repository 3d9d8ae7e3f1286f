package fleet

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

// API is the part of the Auto Scaling client InService uses.
type API interface {
	DescribeAutoScalingGroups(context.Context, *autoscaling.DescribeAutoScalingGroupsInput, ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error)
}

var _ API = (*autoscaling.Client)(nil)

var (
	// ErrNoGroup says the account and region have no group of that name.
	ErrNoGroup = errors.New("no such Auto Scaling group")
	// ErrNoHosts says the group has no InService instance.
	ErrNoHosts = errors.New("the Auto Scaling group has no InService instance")
)

// describeInput is the DescribeAutoScalingGroups request for group. It is
// pure.
func describeInput(group string) *autoscaling.DescribeAutoScalingGroupsInput {
	return &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{group}}
}

// InService returns the ids of group's instances whose lifecycle state is
// InService, sorted. Pending, Standby, Terminating and other states are
// left out: the group is still adding them (a booting host serves the
// recorded release by itself) or taking them away. The error wraps
// ErrNoGroup or ErrNoHosts when there is nothing to target.
func InService(ctx context.Context, api API, group string) ([]string, error) {
	if group == "" {
		return nil, fmt.Errorf("%w: the group name is empty", ErrNoGroup)
	}
	var found bool
	var ids []string
	others := map[string]int{}
	p := autoscaling.NewDescribeAutoScalingGroupsPaginator(api, describeInput(group))
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describing Auto Scaling group %s: %w", group, err)
		}
		for _, g := range out.AutoScalingGroups {
			if aws.ToString(g.AutoScalingGroupName) != group {
				continue
			}
			found = true
			for _, in := range g.Instances {
				if in.LifecycleState == types.LifecycleStateInService {
					ids = append(ids, aws.ToString(in.InstanceId))
				} else {
					others[string(in.LifecycleState)]++
				}
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("%w: %s is not in this account and region (terraform output asg_name names it)", ErrNoGroup, group)
	}
	if len(ids) == 0 {
		has := "no instance at all"
		if len(others) > 0 {
			var states []string
			for _, s := range slices.Sorted(maps.Keys(others)) {
				states = append(states, fmt.Sprintf("%d %s", others[s], s))
			}
			has = "only " + strings.Join(states, ", ")
		}
		return nil, fmt.Errorf("%w: %s has %s, so there is no host to roll out to; wait until its hosts are InService, or raise its desired capacity", ErrNoHosts, group, has)
	}
	slices.Sort(ids)
	return ids, nil
}
