// Package bench holds the comparators that .ci/bench/app.sh measures the
// service (app/) against: the least a Go program needs in order to answer
// the same requests with the same bytes.
//
//   - HealthHandler answers GET /health with the service's JSON body, through
//     a bare net/http server: no middleware, no logging, no timeouts.
//   - ReadHandler answers GET /db/read?limit=N by running the service's
//     SELECT through a pgx pool and encoding the service's JSON shape
//     (records newest first, next_cursor), with no validation beyond the
//     limit, no logging and no per-query timeout.
//
// The commands barehealth and rawread serve them (Serve). A test in app/
// proves that each answers byte for byte what the service answers, and the
// benchmark script checks it again against the running processes before it
// measures anything.
package bench
