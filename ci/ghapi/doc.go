// Package ghapi holds the two GitHub REST calls the pipeline makes itself,
// each tested against recorded responses:
//
//   - the approval gate: before the production apply does anything, the
//     GitHub environment must have at least one required reviewer (a
//     private repository outside GitHub Enterprise silently has none), or
//     the repository must opt out by name (ALLOW_PROD_WITHOUT_REVIEW);
//   - the preview comment: one pull-request comment with the plans, found
//     by a marker and updated on each push instead of repeated.
package ghapi
