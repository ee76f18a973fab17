package config

import (
	"os"

	"gopkg.in/yaml.v3"
)

// Registry is an OCI registry releases are pushed to: the project's, and
// later an environment's own.
type Registry struct {
	Address string // HOST:PORT, as image references name it
	// CA is the absolute path of a PEM bundle the registry's certificate
	// chains to; "" trusts the system's CAs and the engine's certs.d.
	CA string
	// CreateRepositories creates a repository on first push. Amazon ECR
	// only: other registries create repositories as images are pushed.
	CreateRepositories bool
}

// registry decodes `registry:`, HOST:PORT or a mapping
// {address, ca, create_repositories}, into r. It returns the node of the
// address, if one was given.
func (d *decoder) registry(s *section, r *Registry) *yaml.Node {
	n := s.Get("registry")
	if n == nil {
		return nil
	}
	if resolve(n).Kind == yaml.ScalarNode {
		d.registryAddress("registry", n, r)
		return n
	}
	rs, ok := d.Section("registry", s.Key("registry"), n, "address", "ca", "create_repositories")
	if !ok {
		return nil
	}
	addr := rs.Get("address")
	if addr != nil {
		d.registryAddress("registry.address", addr, r)
	}
	if v := rs.Get("ca"); v != nil {
		if path, ok := d.str("registry.ca", v); ok {
			d.registryCA(v, path, r)
		}
	}
	if v := rs.Get("create_repositories"); v != nil {
		if b, ok := d.boolean("registry.create_repositories", v); ok {
			r.CreateRepositories = b
		}
	}
	return addr
}

func (d *decoder) registryAddress(path string, n *yaml.Node, r *Registry) {
	v, ok := d.str(path, n)
	if !ok {
		return
	}
	if _, _, err := splitHostPort(v); err != nil {
		d.Errorf(n, path, "%v", err)
		return
	}
	r.Address = v
}

// registryCA checks that the CA bundle is a readable file.
func (d *decoder) registryCA(n *yaml.Node, path string, r *Registry) {
	abs := d.abs(path)
	info, err := os.Stat(abs)
	switch {
	case err != nil:
		d.Errorf(n, "registry.ca", "cannot read the CA bundle %s: %v", path, unwrapPathError(err))
	case info.IsDir():
		d.Errorf(n, "registry.ca", "%s is a directory; expected a PEM file of CA certificates", path)
	default:
		r.CA = abs
	}
}

// unwrapPathError drops the path an *os.PathError repeats.
func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
