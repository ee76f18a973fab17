package registry

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/docker/cli/cli/config"
	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/bakehq/bake/internal/registry/ecrhost"
)

// The environment variables CI sets instead of a Docker config file.
const (
	EnvUser     = "BAKE_REGISTRY_USER"
	EnvPassword = "BAKE_REGISTRY_PASSWORD"
)

// SourceECR is Source's name for a token from ecr:GetAuthorizationToken.
const SourceECR = "an ECR authorization token"

// Keychain is where bake finds credentials for a registry, first match
// wins: BAKE_REGISTRY_USER and BAKE_REGISTRY_PASSWORD (CI; every registry
// but Amazon ECR, which takes only its own tokens, so that a promotion from
// a team's registry to a prod account's ECR needs no second secret), then
// for an ECR host without a credHelper of its own a token from
// ecr:GetAuthorizationToken (see UseECR), then the Docker config file
// (DOCKER_CONFIG, else ~/.docker/config.json) with its credHelpers,
// credsStore and auths, as `docker login` keeps them.
func Keychain() authn.Keychain {
	return authn.NewMultiKeychain(envKeychain{}, ecrKeychain{}, authn.DefaultKeychain)
}

// envKeychain answers every registry but an Amazon ECR host with the
// credentials in the environment, and with Anonymous (so the next keychain
// is asked) when BAKE_REGISTRY_USER is unset.
type envKeychain struct{}

func (envKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	user, ok := os.LookupEnv(EnvUser)
	if !ok || user == "" || isECRHost(r.RegistryStr()) {
		return authn.Anonymous, nil
	}
	return &authn.Basic{Username: user, Password: os.Getenv(EnvPassword)}, nil
}

// Source names where the keychain takes host's credentials from, in the
// words of an error message: "BAKE_REGISTRY_USER" (which also says when
// BAKE_REGISTRY_PASSWORD is unset), "an ECR authorization
// token", "config.json auths", "credHelper NAME", "credsStore NAME" or
// "none". It reads the same files in the same order as Keychain and never
// runs a helper.
func Source(host string) string {
	if user, ok := os.LookupEnv(EnvUser); ok && user != "" && !isECRHost(host) {
		// A user with no password is a CI secret that did not arrive:
		// say so, rather than only that the registry refused it.
		if os.Getenv(EnvPassword) == "" {
			return EnvUser + " (with " + EnvPassword + " unset or empty)"
		}
		return EnvUser
	}
	if usesECRToken(host) {
		return SourceECR
	}
	cf, err := config.Load(dockerConfigDir())
	if err != nil {
		return "none"
	}
	if h := cf.CredentialHelpers[host]; h != "" {
		return "credHelper " + h
	}
	if cf.CredentialsStore != "" {
		return "credsStore " + cf.CredentialsStore
	}
	for _, key := range []string{host, "https://" + host, "http://" + host} {
		if a, ok := cf.AuthConfigs[key]; ok && (a.Auth != "" || a.Username != "" || a.IdentityToken != "" || a.RegistryToken != "") {
			return "config.json auths"
		}
	}
	return "none"
}

// isECRHost reports whether host is an Amazon ECR registry.
func isECRHost(host string) bool {
	_, ok := ecrhost.Parse(host)
	return ok
}

// dockerConfigDir is the directory of the Docker config file the
// default keychain reads: DOCKER_CONFIG when set, else ~/.docker.
func dockerConfigDir() string {
	if dir := os.Getenv("DOCKER_CONFIG"); dir != "" {
		return dir
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".docker")
}

// credentials resolves host's authenticator and its configuration; a
// failing credential helper is reported with its name.
func credentials(ctx context.Context, kc authn.Keychain, host string) (authn.Authenticator, *authn.AuthConfig, error) {
	reg, err := parseRegistry(host)
	if err != nil {
		return nil, nil, err
	}
	auth, err := authn.Resolve(ctx, kc, reg)
	if err != nil {
		return nil, nil, unreadable(host, err)
	}
	cfg, err := authn.Authorization(ctx, auth)
	if err != nil {
		return nil, nil, unreadable(host, err)
	}
	return auth, cfg, nil
}

// unreadable says why the keychain could not give host's credentials,
// naming their source.
func unreadable(host string, err error) error {
	var done *CredentialsError
	if errors.As(err, &done) {
		return done
	}
	var tokenErr *ECRTokenError
	if errors.As(err, &tokenErr) {
		if !errors.Is(err, ErrCredentials) {
			return tokenErr
		}
		return &CredentialsError{Host: host, Source: SourceECR,
			Reason: fmt.Sprintf("could not be read: ecr:GetAuthorizationToken in %s: %v", tokenErr.Region, tokenErr.Err)}
	}
	reason := err.Error()
	if m := missingHelper.FindStringSubmatch(reason); m != nil {
		reason = m[1] + " is not installed (not found in $PATH)"
	}
	return &CredentialsError{Host: host, Source: Source(host), Reason: "could not be read: " + reason}
}

// missingHelper is how a credential helper that is not installed fails:
// the helper client reports it as text only.
var missingHelper = regexp.MustCompile(`exec: "([^"]+)": executable file not found`)

// sourcedKeychain is a keychain whose failures name the credentials'
// source, whichever go-containerregistry call resolved them.
type sourcedKeychain struct{ authn.Keychain }

func (k sourcedKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	auth, err := k.Keychain.Resolve(r)
	if err != nil {
		return nil, unreadable(r.RegistryStr(), err)
	}
	return auth, nil
}
