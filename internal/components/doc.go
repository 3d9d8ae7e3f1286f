// Package components starts the real local components that stand in for
// AWS on a machine without an account: moto_server (the AWS APIs, corrected
// where it answers unlike AWS) and a throw-away PostgreSQL cluster (RDS).
// It also holds what every local component needs: free loopback ports,
// servers run in their own process group, and the rule that a test which
// needs a missing program fails under CI=true and skips otherwise.
//
// It is the one copy for both Go modules. The service's tests and its dev
// server import it from this module; the ci module's local world
// (ci/localworld) imports it through a replace directive (ci/go.mod), which
// Go allows for an internal package because ci's import paths lie under
// this module's. The Dagger module therefore loads this directory and the
// root go.mod with its own source (dagger.json's include) and nothing else
// of the root module. It imports only the standard library, pgx and the
// AWS SDK's core, which both modules already require. The tests of moto's
// corrections (moto_server.py) live in ci/localworld, which has the AWS
// service clients they drive.
package components
