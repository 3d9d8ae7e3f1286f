// Package localworld starts the real local components that stand in for AWS
// on a machine without an account: moto_server (the AWS APIs), a throw-away
// PostgreSQL cluster (RDS), docker-registry (ECR's data plane) and podman
// (Docker on the EC2 hosts).
//
// Each starter picks a free loopback port, waits until the component
// answers, and returns a handle whose Stop releases everything it started.
// Tests use them through the T helpers, which fail (rather than skip) when
// CI=true and a component is missing.
package localworld
