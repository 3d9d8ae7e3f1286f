// Package tests is the integration suite: the gate between the test
// environment and production. It runs against a deployed service:
//
//	APP_URL=http://host:port go test ./tests -count=1 -v
//	go test -c -o suite ./tests && ./suite -test.v -app-url http://host:port
//
// For an HTTPS URL whose certificate comes from a private CA (the local
// world's), APP_CA_FILE or -ca-file names the only CA to trust.
//
// It first waits (READY_TIMEOUT or -ready-timeout, default 120s) until
// /health answers, then checks /health, /db/status, /s3/list, /db/create
// and /db/read, including a create → read round trip with a unique marker
// and the refusal of bad input. Any deviation fails the suite. With
// `go test -json` each check is one test, so the result can be summarised.
//
// Without a URL the suite does not pretend to pass: it fails, loudly.
package tests
