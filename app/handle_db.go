package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gangway-dev/gangway/app/internal/store"
)

const (
	maxBodyBytes       = 64 << 10
	maxNameChars       = 200
	maxDescriptionChar = 2000
	defaultReadLimit   = 50
	maxReadLimit       = 100
)

const dbNotConfigured = "database is not configured (set DATABASE_URL, or DB_HOST with DB_PASSWORD or DB_SECRET_ARN)"

type dbStatusResponse struct {
	Status        string  `json:"status"`
	SchemaVersion int     `json:"schema_version,omitempty"`
	LatencyMS     float64 `json:"latency_ms,omitempty"`
	Error         string  `json:"error,omitempty"`
}

// handleDBStatus reports whether the database answers and is migrated.
func handleDBStatus(db recordStore) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if db == nil {
			writeJSON(w, r, http.StatusServiceUnavailable, dbStatusResponse{Status: "error", Error: dbNotConfigured})
			return
		}
		st, err := db.Ping(r.Context())
		if err != nil {
			loggerFrom(r.Context()).Warn("database status check failed", "error", err.Error())
			writeJSON(w, r, http.StatusServiceUnavailable, dbStatusResponse{Status: "error", Error: describeDBError(err)})
			return
		}
		writeJSON(w, r, http.StatusOK, dbStatusResponse{
			Status:        "connected",
			SchemaVersion: st.SchemaVersion,
			LatencyMS:     float64(st.Latency.Microseconds()) / 1000,
		})
	})
}

// describeDBError says what kind of database failure happened, in words
// that are safe to send to a client (no host, user or DSN).
func describeDBError(err error) string {
	switch {
	case store.IsAuthError(err):
		return "database login failed"
	case errors.Is(err, context.DeadlineExceeded):
		return "database did not answer in time"
	case errors.Is(err, store.ErrNotMigrated):
		return "database unavailable: schema not migrated yet"
	default:
		return "database unavailable"
	}
}

// dbFailure answers a failed database operation with 503 and logs why.
func dbFailure(w http.ResponseWriter, r *http.Request, err error) {
	loggerFrom(r.Context()).Warn("database operation failed", "error", err.Error())
	writeError(w, r, http.StatusServiceUnavailable, describeDBError(err))
}

type createRequest struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
}

// handleDBCreate stores a record: 201 with the stored record.
func handleDBCreate(db recordStore) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req createRequest
		if status, msg := decodeJSONBody(w, r, &req); status != 0 {
			writeError(w, r, status, msg)
			return
		}
		if msg := validateCreate(req); msg != "" {
			writeError(w, r, http.StatusBadRequest, msg)
			return
		}
		if db == nil {
			writeError(w, r, http.StatusServiceUnavailable, dbNotConfigured)
			return
		}
		desc := ""
		if req.Description != nil {
			desc = *req.Description
		}
		rec, err := db.Create(r.Context(), *req.Name, desc)
		if err != nil {
			dbFailure(w, r, err)
			return
		}
		writeJSON(w, r, http.StatusCreated, rec)
	})
}

func validateCreate(req createRequest) string {
	if req.Name == nil {
		return `"name" is required`
	}
	if msg := validateText("name", *req.Name, maxNameChars); msg != "" {
		return msg
	}
	if strings.TrimSpace(*req.Name) == "" {
		return `"name" must not be empty`
	}
	if req.Description != nil {
		return validateText("description", *req.Description, maxDescriptionChar)
	}
	return ""
}

func validateText(field, v string, maxChars int) string {
	if n := utf8.RuneCountInString(v); n > maxChars {
		return fmt.Sprintf("%q is %d characters long; the limit is %d", field, n, maxChars)
	}
	// PostgreSQL text cannot hold NUL.
	if strings.ContainsRune(v, 0) {
		return fmt.Sprintf("%q must not contain NUL characters", field)
	}
	return ""
}

// decodeJSONBody reads exactly one JSON object of known fields from a body
// of at most maxBodyBytes. It returns a status and message when the request
// must be refused, and 0 when dst is filled.
func decodeJSONBody(w http.ResponseWriter, r *http.Request, dst any) (int, string) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return http.StatusUnsupportedMediaType, "Content-Type must be application/json"
	}
	if r.ContentLength > maxBodyBytes {
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", maxBodyBytes)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	// Anything after the object, other than white space, is refused.
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		if err == nil {
			return http.StatusBadRequest, "request body must hold a single JSON object; found more after it"
		}
		if status, msg := jsonError(err); status == http.StatusRequestEntityTooLarge {
			return status, msg
		}
		return http.StatusBadRequest, "request body must hold a single JSON object; found more after it"
	}
	return 0, ""
}

// jsonError turns a decoding error into a status and a client message.
func jsonError(err error) (int, string) {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", maxBodyBytes)
	case errors.Is(err, io.EOF):
		return http.StatusBadRequest, "request body is empty; send a JSON object"
	case errors.As(err, &syntaxErr):
		return http.StatusBadRequest, fmt.Sprintf("malformed JSON at byte %d", syntaxErr.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return http.StatusBadRequest, "malformed JSON: the body ends too early"
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return http.StatusBadRequest, "request body must be a JSON object"
		}
		return http.StatusBadRequest, fmt.Sprintf("%q must be a %s, not a JSON %s", typeErr.Field, typeErr.Type.String(), typeErr.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return http.StatusBadRequest, "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	default:
		return http.StatusBadRequest, "request body could not be read as JSON"
	}
}

type readResponse struct {
	Records    []store.Record `json:"records"`
	NextCursor *string        `json:"next_cursor"`
}

// handleDBRead lists records newest first, a page at a time.
func handleDBRead(db recordStore) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			writeError(w, r, http.StatusBadRequest, "the query string is not valid URL encoding")
			return
		}
		limit := defaultReadLimit
		if q.Has("limit") {
			n, err := strconv.Atoi(q.Get("limit"))
			if err != nil || n < 1 || n > maxReadLimit {
				writeError(w, r, http.StatusBadRequest, fmt.Sprintf("limit must be a whole number from 1 to %d", maxReadLimit))
				return
			}
			limit = n
		}
		var after *store.Cursor
		if q.Has("cursor") {
			c, err := decodeCursor(q.Get("cursor"))
			if err != nil {
				writeError(w, r, http.StatusBadRequest, "cursor is not valid; pass the next_cursor of a previous response")
				return
			}
			after = &c
		}
		if db == nil {
			writeError(w, r, http.StatusServiceUnavailable, dbNotConfigured)
			return
		}
		records, more, err := db.List(r.Context(), limit, after)
		if err != nil {
			dbFailure(w, r, err)
			return
		}
		resp := readResponse{Records: records}
		if resp.Records == nil {
			resp.Records = []store.Record{}
		}
		if more {
			last := records[len(records)-1]
			c := encodeCursor(store.Cursor{CreatedAt: last.CreatedAt, ID: last.ID})
			resp.NextCursor = &c
		}
		writeJSON(w, r, http.StatusOK, resp)
	})
}

// Cursors are opaque to clients: "v1.<created_at µs>.<id>" in base64url.
func encodeCursor(c store.Cursor) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "v1.%d.%d", c.CreatedAt.UnixMicro(), c.ID))
}

func decodeCursor(s string) (store.Cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return store.Cursor{}, err
	}
	parts := strings.Split(string(raw), ".")
	if len(parts) != 3 || parts[0] != "v1" {
		return store.Cursor{}, errors.New("unknown cursor format")
	}
	micros, err1 := strconv.ParseInt(parts[1], 10, 64)
	id, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || id < 1 || micros < 0 {
		return store.Cursor{}, errors.New("bad cursor numbers")
	}
	return store.Cursor{CreatedAt: time.UnixMicro(micros).UTC(), ID: id}, nil
}
