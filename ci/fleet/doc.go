// Package fleet finds an environment's hosts: the InService instances of
// its Auto Scaling group (terraform output asg_name), which the rollout
// targets through SSM instead of tags, so that an instance the group is
// still launching, or is draining away, is never part of a rollout.
package fleet
