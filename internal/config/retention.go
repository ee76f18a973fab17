package config

// AMIRetention is the project's retention: what `bake gc` and each
// deployment do with the AMIs of its releases. An environment's own
// retention (Environment.Retention) says which releases it keeps.
type AMIRetention struct {
	// AMIs makes every `bake gc` deregister the AMIs (in every region they
	// were copied to) of releases nothing runs or may roll back to, and
	// delete their snapshots, as `bake gc --amis` does.
	AMIs bool `yaml:"amis" default:"false"`
}

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
}
