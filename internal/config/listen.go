package config

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// listenUse remembers which addresses on this machine are taken, so that no two
// targets, nor a target and the registry or the front door, share one.
type listenUse struct {
	first map[string]string // socketKey -> who holds it, as shown in messages
}

// newListenUse starts with the registry and the front door's admin API,
// which hold their addresses whether or not bake.yaml spells them out.
func newListenUse(p *Project, registry, frontDoor *yaml.Node) *listenUse {
	u := &listenUse{first: map[string]string{}}
	u.first[socketKey(p.FrontDoor.Admin)] = holder("frontdoor.admin", p.FrontDoor.Admin, frontDoor)
	if _, held := u.first[socketKey(p.Registry.Address)]; !held {
		u.first[socketKey(p.Registry.Address)] = holder("registry", p.Registry.Address, registry)
	}
	return u
}

// claim takes addr for key and returns "" or, when it was taken, who holds it.
func (u *listenUse) claim(addr, key string, n *yaml.Node) string {
	k := socketKey(addr)
	if who, taken := u.first[k]; taken {
		return who
	}
	u.first[k] = holder(key, addr, n)
	return ""
}

// holder describes who holds an address: a key at a line, or a default.
func holder(key, addr string, n *yaml.Node) string {
	if n == nil {
		return fmt.Sprintf("%s (default %s)", key, addr)
	}
	return fmt.Sprintf("%s at line %d", key, n.Line)
}
