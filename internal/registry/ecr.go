package registry

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/docker/cli/cli/config"
	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/bakehq/bake/internal/registry/ecrhost"
)

// ECR is what bake asks Amazon ECR's API for. registry/ecrapi implements
// it with the project's AWS configuration; this package links no AWS SDK.
type ECR interface {
	// AuthorizationToken returns the credentials of the registries of
	// region (ecr:GetAuthorizationToken): user AWS and a token.
	AuthorizationToken(ctx context.Context, region string) (ECRToken, error)
	// CreateRepository creates repository in account's registry in region;
	// created is false when it already existed.
	CreateRepository(ctx context.Context, region, account, repository string) (created bool, err error)
}

// ECRToken is a registry credential from ecr:GetAuthorizationToken.
type ECRToken struct {
	User, Password string
	Expires        time.Time
}

// ErrNotECR means create_repositories was asked of a registry that is not
// Amazon ECR (config rejects it; the check here is for callers).
var ErrNotECR = errors.New("not an Amazon ECR registry")

// ecrService is the process's ECR API, set once the project is loaded:
// like the Docker config file, it is a setting of the whole process, and
// Keychain (used by every caller) must find it.
var ecrService struct {
	sync.Mutex
	api    ECR
	tokens map[string]ECRToken // by region
}

// UseECR makes Keychain answer Amazon ECR hosts with tokens from api.
func UseECR(api ECR) {
	ecrService.Lock()
	defer ecrService.Unlock()
	ecrService.api, ecrService.tokens = api, nil
}

func currentECR() ECR {
	ecrService.Lock()
	defer ecrService.Unlock()
	return ecrService.api
}

// tokenMargin is how long before its expiry a token is replaced: a token
// must outlive the push or copy that uses it.
const tokenMargin = 15 * time.Minute

// ecrToken returns a token for region, from the cache while it is fresh.
func ecrToken(ctx context.Context, api ECR, region string) (ECRToken, error) {
	ecrService.Lock()
	tok, ok := ecrService.tokens[region]
	ecrService.Unlock()
	if ok && time.Until(tok.Expires) > tokenMargin {
		return tok, nil
	}
	tok, err := api.AuthorizationToken(ctx, region)
	if err != nil {
		return ECRToken{}, err
	}
	ecrService.Lock()
	if ecrService.tokens == nil {
		ecrService.tokens = map[string]ECRToken{}
	}
	ecrService.tokens[region] = tok
	ecrService.Unlock()
	return tok, nil
}

// ecrKeychain answers an Amazon ECR host with a token from ECR's API,
// unless the Docker config names a credHelper for that host (a user of
// docker-credential-ecr-login keeps the setup they have); every other
// host gets Anonymous, so the next keychain is asked.
type ecrKeychain struct{}

func (k ecrKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	return k.ResolveContext(context.Background(), r)
}

func (ecrKeychain) ResolveContext(ctx context.Context, r authn.Resource) (authn.Authenticator, error) {
	host := r.RegistryStr()
	h, ok := ecrhost.Parse(host)
	api := currentECR()
	if !ok || api == nil || credHelperFor(host) != "" {
		return authn.Anonymous, nil
	}
	tok, err := ecrToken(ctx, api, h.Region)
	if err != nil {
		return nil, &ECRTokenError{Host: host, Region: h.Region, Err: err}
	}
	return &authn.Basic{Username: tok.User, Password: tok.Password}, nil
}

// ECRTokenError says why an Amazon ECR host got no token. One that wraps
// ErrCredentials (AWS refused bake's credentials, or it has none) is
// reported as a *CredentialsError; any other (an endpoint that does not
// answer) as it is.
type ECRTokenError struct {
	Host, Region string
	Err          error
}

func (e *ECRTokenError) Error() string {
	return fmt.Sprintf("registry %s: ecr:GetAuthorizationToken in %s: %v", e.Host, e.Region, e.Err)
}

func (e *ECRTokenError) Unwrap() error { return e.Err }

// usesECRToken reports whether Keychain takes host's credentials from ECR's API.
func usesECRToken(host string) bool {
	_, ok := ecrhost.Parse(host)
	return ok && currentECR() != nil && credHelperFor(host) == ""
}

// credHelperFor is the credHelper the Docker config names for host, "" if none.
func credHelperFor(host string) string {
	cf, err := config.Load(dockerConfigDir())
	if err != nil {
		return ""
	}
	return cf.CredentialHelpers[host]
}

// EnsureRepository creates repository (PROJECT/IMAGE, without the host)
// in the Amazon ECR registry host, for registry.create_repositories;
// created is false when it already existed.
func EnsureRepository(ctx context.Context, host, repository string) (created bool, err error) {
	h, ok := ecrhost.Parse(host)
	if !ok {
		return false, fmt.Errorf("registry %s: create_repositories: %w", host, ErrNotECR)
	}
	api := currentECR()
	if api == nil {
		return false, fmt.Errorf("registry %s: bake has no access to Amazon ECR's API here", host)
	}
	created, err = api.CreateRepository(ctx, h.Region, h.Account, repository)
	if err != nil {
		return false, fmt.Errorf("registry %s: creating repository %q: %w", host, repository, err)
	}
	return created, nil
}
