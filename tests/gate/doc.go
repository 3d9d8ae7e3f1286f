// Package gate proves that the integration suite (package tests) can fail:
// it builds the suite as a test binary, the way the pipeline runs it, and
// runs it against a healthy service (every check must pass), against the
// same service with its database stopped, against deliberately wrong
// services (one defect each, behind a proxy), and against nothing at all.
// Every broken case must fail, on the check that covers the defect.
package gate
