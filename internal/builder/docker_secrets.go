package builder

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"
)

// The legacy builder has no RUN --mount=type=secret. A build that uses a
// secret gets it from a secretServer instead: an HTTP server on 127.0.0.1,
// alive only while the build runs, that serves each secret once per use in
// the template, at a path with a random token. The build runs with the
// host's network so its RUN steps reach 127.0.0.1. The Dockerfile, and so the
// image's history, holds only the URL, which is dead once the build ends.

// secretPlaceholder is what {{ secret "NAME" }} renders to for the inputs
// digest: stable, where the live URL changes with every build.
func secretPlaceholder(name string) (string, error) {
	return "$(bake-secret " + name + ")", nil
}

// secretFetch is the shell expression a RUN step evaluates to get a secret:
// busybox and GNU wget, else curl. It prints the value on stdout.
func secretFetch(url string) string {
	return "$(wget -qO- " + url + " 2>/dev/null || curl -fsS --noproxy 127.0.0.1 " + url + ")"
}

// secretServer serves each registered use of a secret once.
type secretServer struct {
	values map[string]string
	ln     net.Listener
	srv    *http.Server
	done   chan struct{}

	mu    sync.Mutex
	sites map[string]*secretSite // by URL path
}

type secretSite struct {
	name   string
	served bool
}

// startSecretServer listens on a random port of 127.0.0.1.
func startSecretServer(values map[string]string) (*secretServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("serving build secrets: %w", err)
	}
	s := &secretServer{values: values, ln: ln, sites: map[string]*secretSite{}, done: make(chan struct{})}
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// expr registers one use of secret name and returns the shell expression
// that fetches it.
func (s *secretServer) expr(name string) (string, error) {
	token := make([]byte, 16)
	if _, err := rand.Read(token); err != nil {
		return "", err
	}
	path := "/" + hex.EncodeToString(token) + "/" + name
	s.mu.Lock()
	s.sites[path] = &secretSite{name: name}
	s.mu.Unlock()
	return secretFetch("http://" + s.ln.Addr().String() + path), nil
}

// used reports whether the template used any secret.
func (s *secretServer) used() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sites) > 0
}

func (s *secretServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	site := s.sites[r.URL.Path]
	first := site != nil && !site.served && r.Method == http.MethodGet
	if first {
		site.served = true
	}
	s.mu.Unlock()
	if !first {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, s.values[site.name])
}

// close stops the server and returns the secrets whose uses were never
// fetched, sorted: the build did not get them.
func (s *secretServer) close() []string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		_ = s.srv.Close()
	}
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	var missed []string
	for _, site := range s.sites {
		if !site.served && !seen[site.name] {
			seen[site.name] = true
			missed = append(missed, site.name)
		}
	}
	sort.Strings(missed)
	return missed
}
