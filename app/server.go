package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gangway-dev/gangway/app/internal/store"
)

// recordStore is what the /db handlers need from the database.
type recordStore interface {
	Ping(ctx context.Context) (store.Status, error)
	Create(ctx context.Context, name, description string) (store.Record, error)
	List(ctx context.Context, limit int, after *store.Cursor) ([]store.Record, bool, error)
}

var _ recordStore = (*store.Store)(nil)

// objectLister is what /s3/list needs from S3.
type objectLister interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

var _ objectLister = (*s3.Client)(nil)

// NewServer returns the service's HTTP handler. db and objects may be nil
// when the database or the bucket is not configured; their endpoints then
// answer 503.
func NewServer(logger *slog.Logger, version string, db recordStore, objects objectLister, bucket string) http.Handler {
	mux := http.NewServeMux()
	addRoutes(mux, version, db, objects, bucket)
	var h http.Handler = mux
	h = recoverPanics(h)
	h = withRequestIDAndLog(logger, h)
	h = commonHeaders(h)
	return h
}

// errorBody is every error response's JSON.
type errorBody struct {
	Error string `json:"error"`
}

// writeJSON sends v with status. Headers are set before WriteHeader, or
// they would be lost.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		loggerFrom(r.Context()).Warn("writing the response failed", "error", err.Error())
	}
}

func writeError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	writeJSON(w, r, status, errorBody{Error: msg})
}
