package builder

import (
	"context"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/moby/buildkit/session/auth"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/bakehq/bake/internal/registry"
)

// registryAuth answers BuildKit's questions for the credentials of a
// registry it pulls from (a base release FROM by digest) with bake's own
// keychain: BAKE_REGISTRY_USER, ECR's token, the Docker config, the same
// credentials the engine's pushes and pulls get. It hands out credentials
// only; BuildKit fetches its registry tokens with them itself.
type registryAuth struct {
	auth.UnimplementedAuthServer
	keychain authn.Keychain
}

func newRegistryAuth() *registryAuth { return &registryAuth{keychain: registry.Keychain()} }

// Register attaches the service to the build's session.
func (a *registryAuth) Register(s *grpc.Server) { auth.RegisterAuthServer(s, a) }

// Credentials returns host's user and password (or identity token); none
// for a registry the keychain has nothing for.
func (a *registryAuth) Credentials(ctx context.Context, req *auth.CredentialsRequest) (*auth.CredentialsResponse, error) {
	reg, err := name.NewRegistry(req.GetHost())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "registry %q: %v", req.GetHost(), err)
	}
	authr, err := authn.Resolve(ctx, a.keychain, reg)
	if err != nil {
		return nil, status.Errorf(codes.Unavailable, "credentials for %s: %v", reg.RegistryStr(), err)
	}
	cfg, err := authn.Authorization(ctx, authr)
	if err != nil {
		return nil, status.Errorf(codes.Unavailable, "credentials for %s: %v", reg.RegistryStr(), err)
	}
	if cfg.IdentityToken != "" {
		return &auth.CredentialsResponse{Secret: cfg.IdentityToken}, nil
	}
	return &auth.CredentialsResponse{Username: cfg.Username, Secret: cfg.Password}, nil
}
