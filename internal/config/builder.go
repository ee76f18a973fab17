package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"

	"gopkg.in/yaml.v3"
)

// builder decodes builder:, which BuildKit builds Docker images. It is
// either a word (buildkit, the default, or legacy) or a mapping naming a
// buildkitd by address, with the TLS files bake presents to it.
func (d *decoder) builder(s *section, p *Project) {
	n := s.Get("builder")
	if n == nil || isNull(n) {
		return
	}
	if n.Kind == yaml.ScalarNode {
		if v, ok := d.oneOf("builder", n, BuilderBuildKit, BuilderLegacy); ok {
			p.Builder.Legacy = v == BuilderLegacy
		}
		return
	}
	bs, ok := d.Section("builder", s.Key("builder"), n, fileKeys[Builder]("")...)
	if !ok {
		return
	}
	if v := bs.Require("address"); v != nil {
		if raw, ok := d.str("builder.address", v); ok {
			if err := CheckBuildKitAddress(raw); err != nil {
				d.Errorf(v, "builder.address", "%v", err)
			} else {
				p.Builder.Address = raw
			}
		}
	}
	if v := bs.Get("server_name"); v != nil {
		p.Builder.ServerName, _ = d.str("builder.server_name", v)
	}
	for _, f := range []struct {
		key string
		to  *string
	}{{"ca", &p.Builder.CA}, {"cert", &p.Builder.Cert}, {"key", &p.Builder.Key}} {
		v := bs.Get(f.key)
		if v == nil {
			continue
		}
		path, ok := d.str("builder."+f.key, v)
		if !ok {
			continue
		}
		file := d.abs(path)
		if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
			d.Errorf(v, "builder."+f.key, "file %s does not exist", file)
			continue
		}
		*f.to = file
	}
	if v := bs.Get("ca"); v != nil && p.Builder.CA != "" {
		// Found here, at its line, rather than when the first build connects.
		if pem, err := os.ReadFile(p.Builder.CA); err != nil {
			d.Errorf(v, "builder.ca", "cannot read %s: %v", p.Builder.CA, unwrapPathError(err))
		} else if !x509.NewCertPool().AppendCertsFromPEM(pem) {
			d.Errorf(v, "builder.ca", "%s holds no PEM certificate; expected the CA certificates the buildkitd's certificate chains to", p.Builder.CA)
		}
	}
	if (p.Builder.Cert == "") != (p.Builder.Key == "") {
		d.Errorf(n, "builder", "cert and key go together: name both the client certificate and its key, or neither")
	} else if p.Builder.Cert != "" {
		if _, err := tls.LoadX509KeyPair(p.Builder.Cert, p.Builder.Key); err != nil {
			d.Errorf(bs.Get("cert"), "builder.cert", "%s and %s are not a PEM certificate and its private key: %v", p.Builder.Cert, p.Builder.Key, err)
		}
	}
}

// CheckBuildKitAddress checks that raw reads as a buildkitd address, for
// builder.address and BUILDKIT_HOST alike.
func CheckBuildKitAddress(raw string) error {
	if u, err := url.Parse(raw); err != nil || u.Scheme == "" || (u.Host == "" && u.Path == "") {
		return fmt.Errorf("%q is not a BuildKit address such as tcp://buildkit.internal:1234 or unix:///run/buildkit/buildkitd.sock", raw)
	}
	return nil
}
