package config

import (
	"crypto/x509"
	"fmt"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"gopkg.in/yaml.v3"

	"github.com/bakehq/bake/internal/registry/ecrhost"
)

// Registry is an OCI registry releases are pushed to: the project's, and
// later an environment's own.
type Registry struct {
	// Address is the registry's HOST[:PORT], as image references name it.
	Address string `yaml:"address" bake:"scalar"`
	// CA is a PEM bundle the registry's certificate chains to; "" trusts
	// the system's CAs and the engine's certs.d.
	CA string `yaml:"ca" bake:"file"`
	// CreateRepositories creates a repository (PROJECT/IMAGE) before the
	// first push. Amazon ECR only, checked at load: other registries create
	// repositories as images are pushed.
	CreateRepositories bool `yaml:"create_repositories"`
}

// registry decodes the project's `registry:` into r. It returns the node
// of the address, if one was given.
func (d *decoder) registry(s *section, r *Registry) *yaml.Node {
	return d.registryAt("registry", s, r)
}

// registryAt decodes the `registry:` of section s, at path, HOST:PORT or a
// mapping {address, ca, create_repositories}, into r. It returns the node
// of the address, if one was given.
func (d *decoder) registryAt(path string, s *section, r *Registry) *yaml.Node {
	n := s.Get("registry")
	if n == nil {
		return nil
	}
	if resolve(n).Kind == yaml.ScalarNode {
		d.registryAddress(path, n, r)
		return n
	}
	rs, ok := d.Section(path, s.Key("registry"), n, fileKeys[Registry]("")...)
	if !ok {
		return nil
	}
	addr := rs.Get("address")
	if addr != nil {
		d.registryAddress(join(path, "address"), addr, r)
	}
	if v := rs.Get("ca"); v != nil {
		if ca, ok := d.str(join(path, "ca"), v); ok {
			d.registryCA(v, join(path, "ca"), ca, r)
		}
	}
	if v := rs.Get("create_repositories"); v != nil {
		cpath := join(path, "create_repositories")
		if b, ok := d.boolean(cpath, v); ok {
			r.CreateRepositories = b
		}
		if _, ecr := ecrhost.Parse(r.Address); r.CreateRepositories && !ecr && r.Address != "" {
			d.Errorf(v, cpath, "%s is not an Amazon ECR registry (ACCOUNT.dkr.ecr.REGION.amazonaws.com); "+
				"other registries create a repository on its first push: remove create_repositories", r.Address)
		}
	}
	return addr
}

func (d *decoder) registryAddress(path string, n *yaml.Node, r *Registry) {
	v, ok := d.str(path, n)
	if !ok {
		return
	}
	if err := checkRegistryAddress(v); err != nil {
		d.Errorf(n, path, "%v", err)
		return
	}
	r.Address = v
}

// checkRegistryAddress checks HOST:PORT, or a bare HOST for a registry on
// HTTPS's port (Amazon ECR, ghcr.io). A scheme is refused: bake picks it
// (HTTPS, and plain HTTP only for loopback).
func checkRegistryAddress(v string) error {
	if scheme, _, ok := strings.Cut(v, "://"); ok {
		return fmt.Errorf("expected HOST or HOST:PORT without a scheme, got %q: remove %q", v, scheme+"://")
	}
	if strings.ContainsAny(v, "/ ") || v == "" {
		return fmt.Errorf("expected HOST or HOST:PORT, got %q", v)
	}
	if strings.Contains(v, ":") {
		_, _, err := splitHostPort(v)
		return err
	}
	if _, err := name.NewRegistry(v, name.StrictValidation); err != nil {
		return fmt.Errorf("expected HOST or HOST:PORT, got %q", v)
	}
	return nil
}

// registryCA checks that the CA bundle is a readable file of PEM
// certificates, so a wrong path is found here, at its line, rather than by
// the first registry call.
func (d *decoder) registryCA(n *yaml.Node, at, path string, r *Registry) {
	abs := d.abs(path)
	info, err := os.Stat(abs)
	switch {
	case err != nil:
		d.Errorf(n, at, "cannot read the CA bundle %s: %v", path, unwrapPathError(err))
		return
	case info.IsDir():
		d.Errorf(n, at, "%s is a directory; expected a PEM file of CA certificates", path)
		return
	}
	pem, err := os.ReadFile(abs)
	if err != nil {
		d.Errorf(n, at, "cannot read the CA bundle %s: %v", path, unwrapPathError(err))
		return
	}
	if !x509.NewCertPool().AppendCertsFromPEM(pem) {
		d.Errorf(n, at, "%s holds no PEM certificate; expected the CA certificates the registry's certificate chains to", path)
		return
	}
	r.CA = abs
}

// unwrapPathError drops the path an *os.PathError repeats.
func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
