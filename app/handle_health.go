package main

import "net/http"

type healthResponse struct {
	Status  string `json:"status"`
	Version string `json:"version"`
}

// handleHealth answers liveness checks. It never touches the database, so
// that a database outage does not make the service look dead.
func handleHealth(version string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, r, http.StatusOK, healthResponse{Status: "ok", Version: version})
	})
}
