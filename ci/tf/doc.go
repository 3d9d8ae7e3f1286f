// Package tf runs the Terraform steps of the pipeline through
// github.com/hashicorp/terraform-exec and reads their results through
// github.com/hashicorp/terraform-json:
//
//   - Init with the S3 backend settings of one environment (native S3 lock file);
//   - Plan to a file, summarised per resource (Summary, Markdown), and bound
//     to the state it was made from (Binding);
//   - Apply of exactly a bound plan file, refused when the state moved on, when
//     the plan belongs to another environment or state, or when it was made on
//     an empty state that now exists (hashicorp/terraform#24078);
//   - Outputs, checked against the outputs contract;
//   - Bootstrap of the state bucket.
//
// A state lock held by someone else is waited for (LockTimeout) and then
// reported as a *LockedError naming its holder and id; it is never broken.
//
// One file per terraform command, as in terraform-exec: building arguments
// (pure, tested without terraform) is kept apart from running them.
package tf
