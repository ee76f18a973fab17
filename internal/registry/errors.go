package registry

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Sentinels callers branch on (and the CLI maps to exit codes).
var (
	// ErrCredentials means the registry refused bake's credentials, or bake
	// had none for a registry that requires them: bad input, exit 2.
	ErrCredentials = errors.New("registry credentials")
	// ErrTLS means the registry's certificate could not be verified: bad
	// input (a CA to configure), exit 2.
	ErrTLS = errors.New("registry TLS")
	// ErrDenied means the registry knew who bake is and refused the
	// operation: no permission on the repository, or a quota.
	ErrDenied = errors.New("registry denied")
)

// CredentialsError says which registry refused which credentials.
type CredentialsError struct {
	Host   string
	Source string // what Source returned: where the credentials came from
	Reason string
}

func (e *CredentialsError) Error() string {
	if e.Source == SourceECR {
		return fmt.Sprintf("registry %s: %s %s: check the AWS credentials bake runs with (AWS_PROFILE, AWS_ACCESS_KEY_ID, aws: in bake.yaml) and that they may call ecr:GetAuthorizationToken",
			e.Host, e.Source, e.Reason)
	}
	if e.Source == "none" {
		return fmt.Sprintf("registry %s requires credentials and bake found none: set %s and %s, or run `docker login %s`",
			e.Host, EnvUser, EnvPassword, e.Host)
	}
	return fmt.Sprintf("registry %s: the credentials from %s %s: correct them (or run `docker login %s`) and run the same command again",
		e.Host, e.Source, e.Reason, e.Host)
}

// Is makes errors.Is(err, ErrCredentials) hold.
func (e *CredentialsError) Is(target error) bool { return target == ErrCredentials }

// TLSError names the certificate problem of a registry.
type TLSError struct {
	Host    string
	Problem string // "signed by an unknown authority", "expired", ...

	wrongHost bool // the certificate is for another name: a CA would not help
}

func (e *TLSError) Error() string {
	if e.wrongHost {
		return fmt.Sprintf("registry %s: its TLS certificate is %s: name the registry in bake.yaml as its certificate does",
			e.Host, e.Problem)
	}
	return fmt.Sprintf("registry %s: its TLS certificate is %s: set registry.ca in bake.yaml to the CA bundle that signed it, or put the CA in /etc/docker/certs.d/%s/ca.crt",
		e.Host, e.Problem, e.Host)
}

// Is makes errors.Is(err, ErrTLS) hold.
func (e *TLSError) Is(target error) bool { return target == ErrTLS }

// DeniedError says which repository the registry refused an operation on.
type DeniedError struct {
	Host       string
	Repository string
	Reason     string // the registry's own words
}

func (e *DeniedError) Error() string {
	return fmt.Sprintf("registry %s denied access to repository %q: %s", e.Host, e.Repository, e.Reason)
}

// Is makes errors.Is(err, ErrDenied) hold.
func (e *DeniedError) Is(target error) bool { return target == ErrDenied }

// classify turns what go-containerregistry returned for an operation on
// repo at host into one of the errors above, or err itself.
func classify(err error, host, repo string) error {
	if err == nil {
		return nil
	}
	var creds *CredentialsError
	if errors.As(err, &creds) {
		return creds // the keychain's, naming the source it could not read
	}
	if problem := certificateProblem(err); problem != "" {
		var hostname x509.HostnameError
		return &TLSError{Host: host, Problem: problem, wrongHost: errors.As(err, &hostname)}
	}
	var terr *transport.Error
	if errors.As(err, &terr) {
		switch {
		case terr.StatusCode == http.StatusUnauthorized:
			return &CredentialsError{Host: host, Source: Source(host), Reason: "were refused (401 Unauthorized)"}
		case terr.StatusCode == http.StatusForbidden, terr.StatusCode == http.StatusTooManyRequests,
			hasCode(terr, transport.DeniedErrorCode), hasCode(terr, transport.TooManyRequestsErrorCode):
			return &DeniedError{Host: host, Repository: repo, Reason: diagnostic(terr)}
		}
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return &UnreachableError{Host: host, Reason: reason(err)}
	}
	return err
}

// certificateProblem says what is wrong with a registry's certificate, in
// a few words, or "" when err is not about one.
func certificateProblem(err error) string {
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.As(err, &unknown):
		return "signed by an unknown authority"
	case errors.As(err, &hostname):
		return fmt.Sprintf("not valid for this host (%s)", strings.TrimPrefix(hostname.Error(), "x509: "))
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "expired or not yet valid (" + invalid.Detail + ")"
	case errors.As(err, &invalid):
		return "invalid (" + invalid.Error() + ")"
	case errors.As(err, &verify):
		return "not verifiable (" + verify.Err.Error() + ")"
	}
	return ""
}

// hasCode reports whether the registry's answer carries code.
func hasCode(e *transport.Error, code transport.ErrorCode) bool {
	for _, d := range e.Errors {
		if d.Code == code {
			return true
		}
	}
	return false
}

// diagnostic is the registry's explanation, or its status.
func diagnostic(e *transport.Error) string {
	var parts []string
	for _, d := range e.Errors {
		parts = append(parts, strings.TrimSpace(string(d.Code)+": "+d.Message))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	return strings.Join(parts, "; ")
}
