// Package awsenv loads the AWS SDK configuration for a pipeline step from an
// injected environment (AWS_REGION, AWS_ENDPOINT_URL, the standard credential
// variables) and checks the credentials with STS before any other call, so
// that a missing or rejected credential fails first and with STS's reason.
//
// It is shared by every subcommand that talks to AWS (plan, apply, bootstrap,
// ecr-login, promote, rollout): keep it small.
package awsenv
