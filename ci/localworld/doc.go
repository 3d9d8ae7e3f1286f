// Package localworld starts the local components of the world that only
// the pipeline needs, on top of the shared ones in the root module's
// internal/components (moto_server for the AWS APIs, PostgreSQL for RDS,
// free ports, process groups): docker-registry (ECR's data plane), HAProxy
// with a local CA (the load balancer and ACM), and the simulated hosts
// (simhost: nginx and podman, as on the EC2 hosts).
//
// Each starter picks a free loopback port, waits until the component
// answers, and returns a handle whose Stop releases everything it started.
// Tests use them through the T helpers, which fail (rather than skip) when
// CI=true and a component is missing.
package localworld
