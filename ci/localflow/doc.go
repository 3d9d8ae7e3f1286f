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
	"build stage base image: podman builds app/Containerfile with GO_IMAGE=scratch and this machine's Go toolchain and module cache mounted (no registry can be reached); the runtime stage is the recipe's own",
	"RDS endpoint: the app's database host is a local PostgreSQL cluster; its role and password are the ones in the Secrets Manager secret that Terraform made for RDS",
	"ECR data plane: ecr_repository_url is mapped to the same repository on a local docker-registry, where images are pushed, gate records stored and digests promoted; ECR's control plane is moto",
	"service address: app_url is the simulated host's nginx",
	"SSM transport: the generated rollout script runs on this machine (podman as the host's Docker) instead of through SSM Run Command",
	"container logs: podman's own log driver on the simulated hosts, not CloudWatch Logs (pipeline logs is proven against moto)",
	"moto corrected where it answers unlike AWS (ci/localworld/moto_server.py): security-group rule descriptions, launch-template tags, and instance refreshes, which moto lacks and which report Successful at once with nothing replaced",
}
