package bench

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

type healthResponse struct {
	Status  string `json:"status"`
	Version string `json:"version"`
}

// HealthHandler answers GET /health as the service does for version, and
// 404 otherwise.
func HealthHandler(version string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(healthResponse{Status: "ok", Version: version})
	})
	return mux
}

type record struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
}

type readResponse struct {
	Records    []record `json:"records"`
	NextCursor *string  `json:"next_cursor"`
}

// readQuery is the service's first-page query: one row more than the
// limit tells whether another page exists.
const readQuery = "SELECT id, name, description, created_at FROM records ORDER BY created_at DESC, id DESC LIMIT $1"

// ReadHandler answers GET /db/read?limit=N (1-100, default 50) with the
// first page of records, as the service does, and 404 otherwise.
func ReadHandler(pool *pgxpool.Pool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /db/read", func(w http.ResponseWriter, r *http.Request) {
		limit := 50
		if s := r.URL.Query().Get("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > 100 {
				http.Error(w, "bad limit", http.StatusBadRequest)
				return
			}
			limit = n
		}
		rows, err := pool.Query(r.Context(), readQuery, limit+1)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		resp := readResponse{Records: make([]record, 0, limit+1)}
		for rows.Next() {
			var rec record
			if err := rows.Scan(&rec.ID, &rec.Name, &rec.Description, &rec.CreatedAt); err != nil {
				rows.Close()
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
			rec.CreatedAt = rec.CreatedAt.UTC()
			resp.Records = append(resp.Records, rec)
		}
		if err := rows.Err(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		if len(resp.Records) > limit {
			resp.Records = resp.Records[:limit]
			last := resp.Records[limit-1]
			c := base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "v1.%d.%d", last.CreatedAt.UnixMicro(), last.ID))
			resp.NextCursor = &c
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	})
	return mux
}

// Serve listens on addr (port 0: a free one), writes the base URL
// ("http://host:port" and a newline) to urlFile when it is not empty, and
// serves h until ctx is done. The server is deliberately bare (no timeouts,
// no error log): whatever the service does beyond it is what the benchmark
// measures.
func Serve(ctx context.Context, addr, urlFile string, h http.Handler, stderr io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	base := "http://" + ln.Addr().String()
	if urlFile != "" {
		if err := os.WriteFile(urlFile, []byte(base+"\n"), 0o644); err != nil {
			ln.Close()
			return fmt.Errorf("writing %s: %w", urlFile, err)
		}
	}
	fmt.Fprintf(stderr, "serving on %s\n", base)
	srv := &http.Server{Handler: h}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}
