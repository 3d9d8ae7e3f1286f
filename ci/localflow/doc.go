// Package localflow runs the whole deployment flow on one machine: preview,
// deploy to test, the integration gate, approval, and the production deploy,
// against moto_server (AWS APIs), a local PostgreSQL (RDS), docker-registry
// (ECR's data plane) and podman "hosts" (the EC2 instances).
//
// The seams, the only places where this differs from a run on AWS, are
// named in Seams: everything else (the Terraform configuration, the pipeline
// steps, the rollout script, the integration suite, the gates) is the code
// that runs in production.
package localflow

// Seams lists where the local flow differs from AWS, for the README and the
// report.
var Seams = []string{
	"RDS endpoint: the app's database host is a local PostgreSQL cluster; its role and password are the ones in the Secrets Manager secret that Terraform made for RDS",
	"ECR data plane: images are pushed to and promoted on a local docker-registry; ECR's control plane is moto",
	"SSM transport: the generated rollout script runs on this machine (podman as the host's Docker) instead of through SSM Run Command",
}
