// Package ssmrun runs a shell script on EC2 instances through AWS Systems
// Manager Run Command (AWS-RunShellScript), SSH-free, and reads back the
// rollout script's result line.
//
// It handles what Run Command makes easy to get wrong:
//   - pre-flight: every target must be registered with SSM and Online before
//     anything is sent (DescribeInstanceInformation), else nothing is sent;
//   - TimeoutSeconds is only the delivery deadline: the execution timeout is
//     set explicitly (the document's executionTimeout, one hour by default);
//   - GetCommandInvocation answers InvocationDoesNotExist right after
//     SendCommand: that is waited out, with backoff, to a bounded deadline;
//   - at most 50 instance ids per SendCommand: fleets go in batches, each
//     with MaxConcurrency / MaxErrors, and a failed batch stops the next;
//   - throttling is retried by the SDK and, while waiting, by the poll loop;
//   - stdout is cut at 24,000 characters and stderr at 8,000: the result
//     line is read from the end, and a cut is reported as such;
//   - every terminal status (Failed, TimedOut, Cancelled, Undeliverable,
//     Delivery Timed Out, Terminated, Invalid Platform, Access Denied) maps
//     to its own error, with the output's tail.
//
// The script text holds no secret (CloudTrail records it): hosts read their
// secrets themselves. CloudWatch output is off.
package ssmrun
