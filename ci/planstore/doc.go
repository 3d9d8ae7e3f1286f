// Package planstore keeps a reviewed Terraform plan between the job that
// made it and the job that applies it, without a CI artifact: plans can hold
// sensitive values, so the plan goes to the environment's state bucket,
// encrypted with the environment's plans key (SSE-KMS), under a key named
// for the run, and only the SHA-256 of what was stored travels between the
// jobs.
//
// What is stored is one bundle (a tar): the plan file, its binding (ci/tf)
// and the plan's description (tf.PlanOutput). The digest covers all three,
// so a plan, a binding or a summary edited after review is refused, and so
// are a bundle made for another environment or under another commit, and a
// missing or unreadable one, each saying which.
package planstore
