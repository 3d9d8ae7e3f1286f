// Package testjson is the one reader of `go test -json` output (the
// test2json event stream). The integration gate of the deploy sequence, the
// GitHub job summary and the local flow's report all read a suite's result
// through it, so that they count the same tests, see the same failures and
// never disagree on whether the gate passed.
//
// It reads lines of any length, keeps lines that are not JSON (what a
// toolchain prints around the stream), and reports a package that failed
// without a failing test (a suite that does not compile, a panic, a timeout)
// together with the output that says why: the compiler's, for a build.
package testjson
