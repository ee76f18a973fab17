// Package buildkittest finds the buildkitd that scripts/services.sh runs as
// root, for tests: its TLS address on loopback and the CA and client
// certificate it accepts, as a team's remote BuildKit would be configured.
package buildkittest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bakehq/bake/internal/servicestest"
)

// Address is where scripts/services.sh serves buildkitd with mutual TLS.
const Address = "tcp://127.0.0.1:1234"

// Daemon is the buildkitd and what a client needs to reach it.
type Daemon struct {
	Address string // tcp://127.0.0.1:1234
	CA      string // path of the CA's PEM certificate the daemon's chains to
	Cert    string // path of the client certificate the daemon accepts
	Key     string // path of that certificate's key
	Socket  string // path of its unix socket, without TLS (root only)
}

// Find returns the daemon when it answers over TLS with its certificates.
// services.sh starts it only as root: a test that does not run as root is
// skipped when it does not answer; as root the test fails.
func Find(t testing.TB) Daemon {
	t.Helper()
	d, err := find()
	if err == nil {
		return d
	}
	if os.Geteuid() != 0 {
		t.Skipf("no buildkitd: scripts/services.sh starts it only as root (%v)", err)
	}
	t.Fatalf("no buildkitd: %v (run scripts/services.sh up; set BAKE_SERVICES_DIR if it keeps its state elsewhere)", err)
	return Daemon{}
}

func find() (Daemon, error) {
	dir, err := servicestest.StateDir("buildkitd.pid")
	if err != nil {
		return Daemon{}, err
	}
	tlsDir := filepath.Join(dir, "buildkitd", "tls")
	d := Daemon{Address: Address, CA: filepath.Join(tlsDir, "ca.pem"), Cert: filepath.Join(tlsDir, "client.pem"),
		Key: filepath.Join(tlsDir, "client-key.pem"), Socket: filepath.Join(dir, "buildkitd.sock")}
	return d, d.handshake()
}

// handshake checks that the daemon on Address presents a certificate the CA
// signed for 127.0.0.1 and takes the client certificate.
func (d Daemon) handshake() error {
	ca, err := os.ReadFile(d.CA)
	if err != nil {
		return err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(ca) {
		return fmt.Errorf("%s holds no PEM certificate", d.CA)
	}
	cert, err := tls.LoadX509KeyPair(d.Cert, d.Key)
	if err != nil {
		return fmt.Errorf("the client certificate: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dialer := tls.Dialer{NetDialer: &net.Dialer{}, Config: &tls.Config{
		RootCAs: roots, Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}, MinVersion: tls.VersionTLS12,
	}}
	conn, err := dialer.DialContext(ctx, "tcp", strings.TrimPrefix(d.Address, "tcp://"))
	if err != nil {
		return fmt.Errorf("buildkitd on %s: %w", Address, err)
	}
	return conn.Close()
}
