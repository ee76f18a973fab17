package config

import "time"

// AMIRetention is the project's retention: what `bake gc` and each
// deployment do with the AMIs of its releases. An environment's own
// retention (Environment.Retention) says which releases it keeps.
type AMIRetention struct {
	// AMIs makes every `bake gc` deregister the AMIs (in every region they
	// were copied to) of releases nothing runs or may roll back to, and
	// delete their snapshots, as `bake gc --amis` does.
	AMIs bool `yaml:"amis" default:"false"`
	// DeprecateAfter sets, once a release runs in no environment any more,
	// its AMIs' deprecation time this long ahead, in every region they were
	// copied to (after each promote, rollback and gc); unset, never.
	DeprecateAfter time.Duration `yaml:"deprecate_after"`
	// Protect turns on deregistration protection for the AMIs of the
	// release the last environment (prod) runs, and off again once it no
	// longer does, so that only bake's own gc can deregister them.
	Protect bool `yaml:"protect" default:"false"`
}

// Lifecycle reports whether bake changes AMIs after a deployment: their
// deprecation time, or their deregistration protection.
func (r AMIRetention) Lifecycle() bool { return r.DeprecateAfter > 0 || r.Protect }

// amiRetention decodes the project's retention: of AMIs.
func (d *decoder) amiRetention(s *section, p *Project) {
	n := s.Get("retention")
	if n == nil {
		return
	}
	rs, ok := d.Section("retention", s.Key("retention"), n, fileKeys[AMIRetention]("")...)
	if !ok {
		return
	}
	if v := rs.Get("amis"); v != nil {
		p.Retention.AMIs, _ = d.boolean("retention.amis", v)
	}
	if v := rs.Get("deprecate_after"); v != nil {
		p.Retention.DeprecateAfter, _ = d.duration("retention.deprecate_after", v)
	}
	if v := rs.Get("protect"); v != nil {
		p.Retention.Protect, _ = d.boolean("retention.protect", v)
	}
}
