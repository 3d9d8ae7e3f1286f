// Package deploy is the deploy sequence, written once: check the tested
// digest, plan and apply, read the outputs, build and publish (test) or
// promote (prod), roll out, run the integration gate, and write the reports.
//
// Both ways of running the pipeline drive it: the Dagger module (ci/*.go),
// whose Steps run each step in a container, and `pipeline-local`, whose
// Steps run them in-process and as local processes. What differs between
// the two is only how a step reaches its tools; the order, the checks
// between steps and the reports are this package's.
//
// A run always returns a Report, whether it passed or failed, so that the
// summaries exist exactly when they matter most: a Dagger function cannot
// both return files and fail, so the module returns the report's files and a
// later call of Verdict on the exported result fails the job.
package deploy
