package registry

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/moby/moby/api/types/registry"
)

// Client reaches one registry with the user's credentials (see Keychain)
// over TLS verified with the system's CAs, the registry's CA bundle and
// the engine's certs.d. Every direct call bake makes to a registry goes
// through one.
type Client struct {
	Host      string // HOST[:PORT], as bake.yaml names it
	keychain  authn.Keychain
	transport http.RoundTripper
	loopback  bool
}

// Options tune a Client; the zero value is what bake uses.
type Options struct {
	CA       string         // a PEM CA bundle the registry's certificate chains to (registry.ca)
	CertsDir string         // the engine's certs.d; "" is DefaultCertsDir
	Keychain authn.Keychain // nil is Keychain()
}

// requestTimeout bounds one request; pushes and pulls of layers go
// through the engine, so bake's own requests are all small.
const requestTimeout = 30 * time.Second

// New returns a Client for the registry at host.
func New(host string, o Options) (*Client, error) {
	reg, err := parseRegistry(host)
	if err != nil {
		return nil, err
	}
	tr, err := newTransport(host, o)
	if err != nil {
		return nil, err
	}
	kc := o.Keychain
	if kc == nil {
		kc = Keychain()
	}
	return &Client{Host: host, keychain: sourcedKeychain{kc}, transport: tr, loopback: isLoopback(reg.RegistryStr())}, nil
}

// NameOptions are the options to parse references to this registry with:
// a loopback registry is tried over HTTPS, then plain HTTP.
func (c *Client) NameOptions() []name.Option {
	if c.loopback {
		return []name.Option{name.Insecure}
	}
	return nil
}

// remoteOptions are the options of every remote call.
func (c *Client) remoteOptions(ctx context.Context) []remote.Option {
	return []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(c.keychain), remote.WithTransport(c.transport)}
}

// Head returns the descriptor of the manifest ref (REGISTRY/REPO:TAG or
// @DIGEST) names; an error wrapping ErrNotFound when the registry has none.
func (c *Client) Head(ctx context.Context, ref string) (*v1.Descriptor, error) {
	r, err := name.ParseReference(ref, c.NameOptions()...)
	if err != nil {
		return nil, fmt.Errorf("%q is not an image reference: %w", ref, err)
	}
	desc, err := remote.Head(r, c.remoteOptions(ctx)...)
	if err != nil {
		return nil, c.fail(err, r.Context())
	}
	return desc, nil
}

// Delete deletes the manifest ref names by digest, and with it every tag
// pointing at it. One already gone is an error wrapping ErrNotFound.
func (c *Client) Delete(ctx context.Context, ref string) error {
	d, err := name.NewDigest(ref, c.NameOptions()...)
	if err != nil {
		return fmt.Errorf("%q is not a reference by digest: %w", ref, err)
	}
	if err := remote.Delete(d, c.remoteOptions(ctx)...); err != nil {
		return c.fail(err, d.Context())
	}
	return nil
}

// ErrNotFound means the registry has no such manifest.
var ErrNotFound = errors.New("not found in the registry")

// ErrDeleteDisabled means the registry does not accept deletes.
var ErrDeleteDisabled = errors.New("the registry refuses deletes: set storage.delete.enabled: true in its config")

// fail classifies err from an operation on repo.
func (c *Client) fail(err error, repo name.Repository) error {
	var terr *transport.Error
	if errors.As(err, &terr) {
		switch {
		case terr.StatusCode == http.StatusNotFound:
			return fmt.Errorf("%s: %w", repo, ErrNotFound)
		case terr.StatusCode == http.StatusMethodNotAllowed, hasCode(terr, transport.UnsupportedErrorCode):
			return ErrDeleteDisabled
		}
	}
	return classify(err, c.Host, repo.RepositoryStr())
}

// CheckPush makes the cheapest authenticated request that proves bake may
// push to repository (REGISTRY/REPO): the token exchange for push scope
// and the start of an upload, cancelled at once. A wrong password, missing
// credentials, an untrusted certificate or a refused repository fail here
// in about a second, before anything is built.
func (c *Client) CheckPush(ctx context.Context, repository string) error {
	repo, err := name.NewRepository(repository, c.NameOptions()...)
	if err != nil {
		return fmt.Errorf("%q is not a repository: %w", repository, err)
	}
	if err := Reachable(ctx, c.Host); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	tr := &contextTransport{ctx: ctx, inner: c.transport}
	if err := remote.CheckPushPermission(repo.Tag("bake-check"), c.keychain, tr); err != nil {
		if ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("registry %s: no answer within %s", c.Host, requestTimeout)
		}
		return classify(err, c.Host, repo.RepositoryStr())
	}
	return nil
}

// contextTransport puts ctx on every request: CheckPushPermission takes
// none of its own.
type contextTransport struct {
	ctx   context.Context
	inner http.RoundTripper
}

func (t *contextTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return t.inner.RoundTrip(req.WithContext(t.ctx))
}

// EngineAuth is the X-Registry-Auth value that gives the Docker engine
// bake's credentials for host: the same keychain, resolved here because
// the engine reads no Docker config file of its own.
func EngineAuth(ctx context.Context, host string) (string, error) {
	return engineAuth(ctx, Keychain(), host)
}

func engineAuth(ctx context.Context, kc authn.Keychain, host string) (string, error) {
	_, cfg, err := credentials(ctx, kc, host)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(registry.AuthConfig{
		Username: cfg.Username, Password: cfg.Password, Auth: cfg.Auth, ServerAddress: host,
		IdentityToken: cfg.IdentityToken, RegistryToken: cfg.RegistryToken,
	})
	if err != nil {
		return "", err
	}
	return base64.URLEncoding.EncodeToString(b), nil
}

// parseRegistry parses HOST[:PORT] as go-containerregistry does.
func parseRegistry(host string) (name.Registry, error) {
	reg, err := name.NewRegistry(host)
	if err != nil {
		return name.Registry{}, fmt.Errorf("registry %q: %w", host, err)
	}
	return reg, nil
}

// isLoopback reports whether host (HOST[:PORT]) is this machine.
func isLoopback(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
