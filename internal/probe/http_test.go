package probe

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
)

func TestHTTPRetriesUntilHealthy(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(`{"version":"1.2.3"}`))
	}))
	defer srv.Close()
	detail, err := HTTP(context.Background(), srv.URL, HTTPExpect{Status: 200, Body: regexp.MustCompile(`"version":"1\.2\.3"`), Timeout: 5 * time.Second})
	require.NoError(t, err)
	assert.Contains(t, detail, "after 3 tries")
}

func TestHTTPSaysWhatItExpectedAndSaw(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(`{"version":"1.0.0"}`))
	}))
	defer srv.Close()
	_, err := HTTP(context.Background(), srv.URL+"/healthz", HTTPExpect{Status: 200, Body: regexp.MustCompile(`1\.1\.0`), Timeout: 600 * time.Millisecond})
	require.ErrorIs(t, err, ErrUnhealthy)
	assert.Contains(t, err.Error(), `expected status 200 and a body matching "1\\.1\\.0"`)
	assert.Contains(t, err.Error(), `got 200 "{\"version\":\"1.0.0\"}`)
}

func TestHTTPNoAnswer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	_, err = HTTP(context.Background(), "http://127.0.0.1:"+strconv.Itoa(port)+"/", HTTPExpect{Status: 200, Timeout: 500 * time.Millisecond})
	require.ErrorIs(t, err, ErrUnhealthy)
	assert.Contains(t, err.Error(), "got no answer")
}

func TestCheckHTTPRendersFields(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("path=" + r.URL.Path))
	}))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	d := Data{Image: "web", Version: "2.0.0", Vars: map[string]string{"p": "ready"}}
	c := &config.HTTPCheck{Path: "/{{ .Vars.p }}/{{ .Image }}", Status: 200, Body: "^path=/ready/web$", Timeout: time.Second}
	_, err := CheckHTTP(context.Background(), port, c, d)
	require.NoError(t, err)

	c.Path = "/{{ .Vars.nope }}"
	_, err = CheckHTTP(context.Background(), port, c, d)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nope")
}

func TestTCP(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	detail, err := TCP(context.Background(), addr, time.Second)
	require.NoError(t, err)
	assert.Contains(t, detail, "accepted")
	l.Close()
	_, err = TCP(context.Background(), addr, 500*time.Millisecond)
	require.ErrorIs(t, err, ErrUnhealthy)
	assert.Contains(t, err.Error(), "expected a connection")
}

// TestHTTPNeverFollowsRedirects: a service that redirects its health check
// to another address (standing in for the cloud metadata service or the
// front door's admin API) gets its own redirect judged; the other address
// gets no request and its answer appears nowhere.
func TestHTTPNeverFollowsRedirects(t *testing.T) {
	var stolen atomic.Int32
	metadata := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		stolen.Add(1)
		w.Write([]byte("AKIA-metadata-credentials"))
	}))
	defer metadata.Close()
	for _, code := range []int{301, 302, 303, 307, 308} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, metadata.URL+"/latest/meta-data/", code)
			}))
			defer svc.Close()
			port := svc.Listener.Addr().(*net.TCPAddr).Port

			_, err := CheckHTTP(context.Background(), port, &config.HTTPCheck{Path: "/healthz", Status: 200, Timeout: 300 * time.Millisecond}, Data{})
			require.ErrorIs(t, err, ErrUnhealthy)
			assert.Contains(t, err.Error(), "got "+strconv.Itoa(code))
			assert.Contains(t, err.Error(), "(not followed)")
			assert.NotContains(t, err.Error(), "AKIA")

			detail, err := CheckHTTP(context.Background(), port, &config.HTTPCheck{Path: "/healthz", Status: code, Timeout: time.Second}, Data{})
			require.NoError(t, err, "a check that expects the redirect passes on the redirect itself")
			assert.Contains(t, detail, "answered "+strconv.Itoa(code))
		})
	}
	assert.Zero(t, stolen.Load(), "requests that reached the redirect's target")
}
