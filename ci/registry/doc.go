// Package registry gets ECR push credentials and promotes an image digest
// from one environment's repository to the next one's without rebuilding.
//
// Promotion copies by digest, so prod receives byte for byte the manifest
// that was tested. Two ways, both by digest:
//
//   - ECR (PromoteECR): the manifest is read with ECR BatchGetImage (a digest
//     that does not exist is refused there) and written with PutImage into
//     the target repository. ECR keeps layers per repository, and PutImage
//     answers LayersNotFoundException for layers the target repository does
//     not hold, so the manifest's blobs are first made present in the target
//     over the registry's OCI distribution API: a cross-repository blob
//     mount, which ECR performs for blobs that a manifest in the source
//     repository references (no bytes move), with an upload as fallback.
//   - OCI (PromoteOCI): the same copy entirely over the OCI distribution API
//     (blob mounts, then the manifest PUT by digest), for any registry, such
//     as the docker-registry that stands in for ECR's data plane locally.
package registry
