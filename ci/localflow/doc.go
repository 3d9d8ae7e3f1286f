// Package localflow runs the whole deployment flow on one machine: preview,
// deploy to test, the integration gate, approval, and the production deploy,
// against moto_server (AWS APIs), a local PostgreSQL (RDS), docker-registry
// (ECR's data plane) and podman "hosts" (the EC2 instances).
//
// The seams, the only places where this differs from a run on AWS, are
// named in seams: everything else (the Terraform configuration, the pipeline
// steps, the rollout script, the integration suite, the gates) is the code
// that runs in production.
package localflow

// seams lists where the local flow differs from AWS, for the README and the
// report.
var seams = []string{
	"build stage base image: podman builds app/Containerfile with GO_IMAGE=scratch and this machine's Go toolchain and module cache mounted (no registry can be reached); the runtime stage is the recipe's own",
	"RDS endpoint: the app's database host is a local PostgreSQL cluster; its role and password are the ones in the Secrets Manager secret that Terraform made for RDS",
	"ECR data plane: ecr_repository_url is mapped to the same repository on a local docker-registry, where images are pushed, gate records stored and digests promoted; ECR's control plane is moto",
	"load balancer: app_url is HAProxy in front of the environment's two hosts, terminating TLS with a certificate from a CA the local world creates (the integration suite trusts that CA alone, through APP_CA_FILE) and health-checking /health as the target group does, ten times as often; on AWS it is the ALB with an ACM certificate",
	"SSM transport: ssmrun's Runner rolls the two hosts one at a time, as over SSM, but through simhost.Fleet: the generated rollout script runs on this machine (podman as the host's Docker), each host's rendering with its own ports and paths, instead of through SSM Run Command",
	"container logs: podman's own log driver on the simulated hosts, not CloudWatch Logs (pipeline logs is proven against moto)",
	"moto corrected where it answers unlike AWS (internal/components/moto_server.py): security-group rule descriptions, launch-template tags, and instance refreshes, which moto lacks and which report Successful at once with nothing replaced",
}
