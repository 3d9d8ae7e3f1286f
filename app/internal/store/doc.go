// Package store keeps the service's records in PostgreSQL through a pgx
// pool: embedded migrations applied under an advisory lock (safe when two
// instances start at once), bounded connection and query timeouts, and
// credentials that are fetched before each new connection so that a rotated
// password is picked up when a login fails.
package store
