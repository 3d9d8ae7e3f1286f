// Package testenv starts the real local components that the service and its
// tests run against: a throw-away PostgreSQL cluster with password
// authentication (standing in for RDS) and moto_server (standing in for S3
// and Secrets Manager).
//
// It is the root module's own small copy of what ci/localworld does for the
// ci module (the root module cannot import the ci module). Every component
// listens on a free loopback port and is stopped by Stop. The T helpers fail
// the test when CI=true and a program is missing, and skip it otherwise.
package testenv
