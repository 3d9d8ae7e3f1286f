package main

import "net/http"

// addRoutes is the whole API surface.
func addRoutes(mux *http.ServeMux, version string, db recordStore, objects objectLister, bucket string) {
	mux.Handle("GET /health", handleHealth(version))
	mux.Handle("GET /db/status", handleDBStatus(db))
	mux.Handle("GET /s3/list", handleS3List(objects, bucket))
	mux.Handle("POST /db/create", handleDBCreate(db))
	mux.Handle("GET /db/read", handleDBRead(db))

	// JSON answers for the wrong method and unknown paths (the mux's own
	// are plain text).
	mux.Handle("/health", handleMethodNotAllowed("GET, HEAD"))
	mux.Handle("/db/status", handleMethodNotAllowed("GET, HEAD"))
	mux.Handle("/s3/list", handleMethodNotAllowed("GET, HEAD"))
	mux.Handle("/db/create", handleMethodNotAllowed("POST"))
	mux.Handle("/db/read", handleMethodNotAllowed("GET, HEAD"))
	mux.Handle("/", handleNotFound())
}

func handleMethodNotAllowed(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, r, http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed here; use "+allow)
	})
}

func handleNotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusNotFound, "no such endpoint; see /health, /db/status, /s3/list, /db/create, /db/read")
	})
}
