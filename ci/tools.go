//go:build tools

package main

// dagger.io/dagger is the SDK release the module is built against
// (dagger.json's engineVersion) and what modcheck aliases; only Dagger's
// generated code uses it, and that code is not committed, so without this
// import `go mod tidy` (which `dagger develop` runs) would drop the
// requirement. A test runs tidy and checks that go.mod stays as it is.
import _ "dagger.io/dagger"
