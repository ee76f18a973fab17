package registry

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// DefaultCertsDir is where the Docker engine looks for a registry's CA
// (HOST:PORT/*.crt); bake trusts the same files, so that one place serves
// both the engine's pushes and bake's own requests.
const DefaultCertsDir = "/etc/docker/certs.d"

// newTransport returns the transport of a Client for host: the system's
// CAs plus the CA bundle o.CA and the certs.d files for host, and plain
// HTTP refused unless host is loopback.
func newTransport(host string, o Options) (http.RoundTripper, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if o.CA != "" {
		if err := addPEM(pool, o.CA); err != nil {
			return nil, fmt.Errorf("registry %s: registry.ca: %w", host, err)
		}
	}
	dir := o.CertsDir
	if dir == "" {
		dir = DefaultCertsDir
	}
	crts, _ := filepath.Glob(filepath.Join(dir, host, "*.crt"))
	for _, crt := range crts {
		if err := addPEM(pool, crt); err != nil {
			return nil, fmt.Errorf("registry %s: %w", host, err)
		}
	}
	base := remote.DefaultTransport.(*http.Transport).Clone()
	base.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	base.DialContext = (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext
	base.ResponseHeaderTimeout = requestTimeout
	return &httpsOnly{inner: base, loopback: isLoopback(host)}, nil
}

// addPEM adds the certificates of a PEM file to pool.
func addPEM(pool *x509.CertPool, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading CA bundle: %w", err)
	}
	if !pool.AppendCertsFromPEM(b) {
		return fmt.Errorf("%s holds no PEM certificate", path)
	}
	return nil
}

// httpsOnly refuses plain HTTP to any registry but a loopback one:
// go-containerregistry would also fall back to HTTP for private (RFC 1918)
// addresses, which would send credentials in the clear over a network.
type httpsOnly struct {
	inner    http.RoundTripper
	loopback bool
}

func (t *httpsOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && !t.loopback && !isLoopback(req.URL.Host) {
		return nil, fmt.Errorf("refusing plain HTTP to %s: bake talks HTTPS to every registry but a loopback one", req.URL.Host)
	}
	return t.inner.RoundTrip(req)
}
