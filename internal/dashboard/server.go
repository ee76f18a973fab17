package dashboard

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

//go:embed assets
var assets embed.FS

// DefaultLimit is how many events the history timeline shows unless asked.
const DefaultLimit = 50

// maxLimit bounds ?limit=: the timeline is a page, not all of history.
const maxLimit = 500

// Server answers the page and its JSON documents.
type Server struct {
	src *Source
	mux *http.ServeMux
	// mu lets one read run at a time: the page polls every few seconds, and
	// the ledger and target clients are shared by every request.
	mu sync.Mutex
}

// New returns the dashboard's handler on src.
func New(src *Source) *Server {
	s := &Server{src: src, mux: http.NewServeMux()}
	static, _ := fs.Sub(assets, "assets")
	files := http.FileServerFS(static)
	s.mux.Handle("GET /{$}", files)
	s.mux.Handle("GET /assets/", http.StripPrefix("/assets/", files))
	s.mux.HandleFunc("GET /api/matrix", s.read(func(r *http.Request) (any, error) {
		return src.Matrix(r.Context())
	}))
	s.mux.HandleFunc("GET /api/history", s.read(func(r *http.Request) (any, error) {
		q := TimelineQuery{Image: r.URL.Query().Get("image"), Env: r.URL.Query().Get("env"), Limit: DefaultLimit}
		if v := r.URL.Query().Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 || n > maxLimit {
				return nil, badRequest(fmt.Sprintf("limit %q: give a number of events from 1 to %d", v, maxLimit))
			}
			q.Limit = n
		}
		return src.Timeline(r.Context(), q)
	}))
	s.mux.HandleFunc("GET /api/releases/{image}/{version}", s.read(func(r *http.Request) (any, error) {
		return src.Release(r.Context(), r.PathValue("image"), r.PathValue("version"))
	}))
	return s
}

// ServeHTTP answers only requests addressed to loopback: a page on another
// site that makes the browser resolve its own name to 127.0.0.1 (DNS
// rebinding) must not read the ledger through it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		http.Error(w, "bake ui answers requests to 127.0.0.1 or localhost only", http.StatusForbidden)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	s.mux.ServeHTTP(w, r)
}

// badRequest is a query the page (or a person) got wrong.
type badRequest string

func (b badRequest) Error() string { return string(b) }

// read answers one JSON document, or {"error": "..."} with why: a data
// source that fails is shown on the page, never a crash. The time the read
// took is in the Server-Timing header, for the page and the benchmark.
func (s *Server) read(fn func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		start := time.Now()
		v, err := fn(r)
		took := time.Since(start)
		s.mu.Unlock()
		code := http.StatusOK
		var bad badRequest
		switch {
		case errors.As(err, &bad):
			code = http.StatusBadRequest
		case errors.Is(err, ErrUnknown):
			code = http.StatusNotFound
		case err != nil:
			code = http.StatusServiceUnavailable
		}
		if err != nil {
			v = struct {
				Error string `json:"error"`
			}{err.Error()}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Server-Timing", fmt.Sprintf("read;dur=%.3f", float64(took.Microseconds())/1000))
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(v)
	}
}

// Serve answers on ln until ctx ends (Ctrl-C), then lets the requests under
// way finish for a moment and returns nil.
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	// The reads under way are cancelled with ctx; what is left is writing.
	stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(stop); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
