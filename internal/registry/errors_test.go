package registry

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/stretchr/testify/assert"
)

// TestClassify turns what go-containerregistry returns into bake's one-line
// errors, each with its sentinel.
func TestClassify(t *testing.T) {
	isolate(t, "")
	t.Setenv(EnvUser, "ci")
	t.Setenv(EnvPassword, "pw")
	const host, repo = "registry.example.com", "team/web"
	for _, tt := range []struct {
		name     string
		err      error
		sentinel error
		want     string
	}{
		{name: "wrong password", err: &transport.Error{StatusCode: http.StatusUnauthorized}, sentinel: ErrCredentials,
			want: "registry registry.example.com: the credentials from BAKE_REGISTRY_USER were refused (401 Unauthorized): " +
				"correct them (or run `docker login registry.example.com`) and run the same command again"},
		{name: "denied", err: fmt.Errorf("POST: %w", &transport.Error{StatusCode: http.StatusForbidden,
			Errors: []transport.Diagnostic{{Code: transport.DeniedErrorCode, Message: "requested access to the resource is denied"}}}),
			sentinel: ErrDenied,
			want:     `registry registry.example.com denied access to repository "team/web": DENIED: requested access to the resource is denied`},
		{name: "quota", err: &transport.Error{StatusCode: http.StatusTooManyRequests}, sentinel: ErrDenied,
			want: `registry registry.example.com denied access to repository "team/web": 429 Too Many Requests`},
		{name: "unknown authority", err: &net.OpError{Op: "remote error", Err: x509.UnknownAuthorityError{}}, sentinel: ErrTLS,
			want: "registry registry.example.com: its TLS certificate is signed by an unknown authority: set registry.ca in bake.yaml " +
				"to the CA bundle that signed it, or put the CA in /etc/docker/certs.d/registry.example.com/ca.crt"},
		{name: "expired", err: fmt.Errorf("Get: %w", x509.CertificateInvalidError{Reason: x509.Expired, Detail: "current time is after 2026-01-01"}),
			sentinel: ErrTLS,
			want: "registry registry.example.com: its TLS certificate is expired or not yet valid (current time is after 2026-01-01): " +
				"set registry.ca in bake.yaml to the CA bundle that signed it, or put the CA in /etc/docker/certs.d/registry.example.com/ca.crt"},
		{name: "refused", err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, sentinel: ErrUnreachable,
			want: "registry registry.example.com is unreachable (connection refused): start it (or correct registry: in bake.yaml) " +
				"and run the same command again"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := classify(tt.err, host, repo)
			assert.ErrorIs(t, err, tt.sentinel)
			assert.Equal(t, tt.want, err.Error())
		})
	}
	other := errors.New("something else")
	assert.Equal(t, other, classify(other, host, repo))
}
