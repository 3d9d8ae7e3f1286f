// Package imageref parses the only image reference form the pipeline deploys:
// REPOSITORY@sha256:<64 lower-case hex>, a digest and never a tag, so that the
// image that passed the tests is exactly the image that reaches prod.
//
// Shared by promote and rollout: keep it small.
package imageref
