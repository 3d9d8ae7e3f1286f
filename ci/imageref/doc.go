// Package imageref is the one parser of the only image reference form the
// pipeline deploys: REGISTRY/REPOSITORY@sha256:<64 lower-case hex>, a digest
// and never a tag, so that the image that passed the tests is exactly the
// image that reaches prod.
//
// The module, the CLI, the local flow, the rollout script's parameters and
// the workflows' shell checks all use it; reftest/refs.json is the shared
// table of good and bad references that every one of them is tested against.
package imageref
