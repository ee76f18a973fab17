package config

import (
	"errors"
	"io/fs"

	"gopkg.in/yaml.v3"

	"github.com/bakehq/bake/internal/signing/keys"
)

// signing decodes signing:, the keys releases are signed and verified
// with. The private key's file is only named here: it exists where
// releases are made, not everywhere bake.yaml is read. Every public key is
// read now, so a missing or malformed one is reported at its line.
func (d *decoder) signing(s *section, p *Project) {
	n := s.Get("signing")
	if n == nil {
		return
	}
	ss, ok := d.Section("signing", s.Key("signing"), n, fileKeys[Signing]("")...)
	if !ok {
		return
	}
	if v := ss.Get("key"); v != nil {
		if path, ok := d.str("signing.key", v); ok {
			if path == "" {
				d.Errorf(v, "signing.key", "must not be empty")
			} else {
				p.Signing.Key = d.abs(path)
			}
		}
	}
	d.approvers(ss, p)
	v := ss.Get("public_keys")
	if v == nil {
		return
	}
	paths, ok := d.strings("signing.public_keys", v)
	if !ok {
		return
	}
	seen := map[string]int{} // key id -> line it was first listed at
	for i, path := range paths {
		at, key := v.Content[i], index("signing.public_keys", i)
		pub, ok := d.publicKey(at, key, path)
		if !ok {
			continue
		}
		if line, dup := seen[pub.ID]; dup {
			d.Errorf(at, key, "%s holds the key %s, already listed at line %d", pub.File, keys.ShortID(pub.ID), line)
			continue
		}
		seen[pub.ID] = at.Line
		p.Signing.PublicKeys = append(p.Signing.PublicKeys, pub)
	}
}

// publicKey reads one public key file listed in signing.public_keys.
func (d *decoder) publicKey(at *yaml.Node, key, path string) (keys.PublicKey, bool) {
	if path == "" {
		d.Errorf(at, key, "must not be empty: name a public key file, as `bake keygen` writes")
		return keys.PublicKey{}, false
	}
	file := d.abs(path)
	data, err := keys.ReadKeyFile(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		d.Errorf(at, key, "public key file %s does not exist (`bake keygen` writes one)", file)
		return keys.PublicKey{}, false
	case err != nil:
		d.Errorf(at, key, "reading public key file %s: %v", file, err)
		return keys.PublicKey{}, false
	}
	pub, err := keys.ParsePublicKey(data)
	if err != nil {
		d.Errorf(at, key, "public key file %s: %v", file, err)
		return keys.PublicKey{}, false
	}
	return keys.PublicKey{Key: pub, ID: keys.KeyID(pub), File: file}, true
}

// approvers decodes signing.approvers: who may approve a release, each by
// name and public key. With approvers listed, an approval counts only when
// signed by one of their keys, so a name alone (BAKE_USER) approves nothing.
func (d *decoder) approvers(s *section, p *Project) {
	n := s.Get("approvers")
	if n == nil {
		return
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		d.Errorf(n, "signing.approvers", "must be a list of {name, public_key}")
		return
	}
	names, ids := map[string]int{}, map[string]int{}
	for i, item := range n.Content {
		path := index("signing.approvers", i)
		as, ok := d.Section(path, item, item, fileKeys[Approver]("")...)
		if !ok {
			continue
		}
		var a Approver
		if v := as.Require("name"); v != nil {
			if name, ok := d.str(join(path, "name"), v); ok {
				switch line, dup := names[name]; {
				case name == "":
					d.Errorf(v, join(path, "name"), "must not be empty")
				case dup:
					d.Errorf(v, join(path, "name"), "duplicate approver %q; first listed at line %d", name, line)
				default:
					names[name] = v.Line
				}
				a.Name = name
			}
		}
		v := as.Require("public_key")
		if v == nil {
			continue
		}
		file, ok := d.str(join(path, "public_key"), v)
		if !ok {
			continue
		}
		if a.Key, ok = d.publicKey(v, join(path, "public_key"), file); !ok {
			continue
		}
		if line, dup := ids[a.Key.ID]; dup {
			d.Errorf(v, join(path, "public_key"), "%s holds the key %s, already an approver's at line %d", a.Key.File, keys.ShortID(a.Key.ID), line)
			continue
		}
		ids[a.Key.ID] = v.Line
		p.Signing.Approvers = append(p.Signing.Approvers, a)
	}
}
