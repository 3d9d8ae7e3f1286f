// Package modcheck type-checks the Dagger module (the ci package main) where
// no Dagger engine can run.
//
// A Dagger module compiles against code that `dagger develop` generates at
// load time: ci/dagger.gen.go (the `dag` client and the entry point) and
// ci/internal/dagger (the API types). Both are gitignored. modcheck writes
// throw-away stand-ins whose types are aliases of the pinned dagger.io/dagger
// release (the same API, generated from the same schema), runs `go vet` on
// the module, and removes them again. Every misuse of the Dagger API that the
// compiler can see (a wrong argument type, a missing option field, a method
// that does not exist) fails the check.
//
// It never touches code it did not write: each file it generates starts with
// marker, and a file without it (real output of `dagger develop`) is left
// alone. When real generated code is present the module is vetted against it.
package modcheck
