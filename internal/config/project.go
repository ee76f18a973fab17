package config

import (
	"net/url"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bakehq/bake/internal/ledger/location"
	"github.com/bakehq/bake/internal/notify"
)

// project decodes the top level of bake.yaml. Images are decoded before
// environments because targets refer to them.
func (d *decoder) project(root *yaml.Node) *Project {
	p := &Project{
		Registry:  Registry{Address: DefaultRegistry},
		Ledger:    filepath.Join(d.dir, DefaultLedger),
		FrontDoor: FrontDoor{Admin: DefaultFrontDoor},
	}
	s, ok := d.Section("", root, root, fileKeys[Project]("")...)
	if !ok {
		return p
	}
	if n := s.Require("project"); n != nil {
		if v, ok := d.str("project", n); ok {
			if msg := checkName(v, maxProjectName); msg != "" {
				d.Errorf(n, "project", "%s", msg)
			} else {
				p.Name, d.projectName = v, v
			}
		}
	}
	registryNode := d.registry(s, &p.Registry)
	if n := s.Get("ledger"); n != nil {
		if v, ok := d.str("ledger", n); ok {
			d.ledgerLocation(n, v, p)
		}
	}
	frontDoorNode := d.frontDoor(s, p)
	d.notify(s, p)
	d.aws(s, p)
	d.signing(s, p)
	d.builder(s, p)
	d.amiRetention(s, p)

	imgs := d.images(s, p.Builder)
	p.Images = imgs.list
	if p.Name != "" {
		for _, img := range imgs.list {
			if msg := checkRepository(p.Registry.Address, p.Name, img.Name); msg != "" && !imgs.broken[img.Name] {
				d.Errorf(imgs.key[img.Name], "images", "%s", msg)
			}
		}
	}
	if n := s.Require("environments"); n != nil {
		u := newListenUse(p, registryNode, frontDoorNode)
		p.Environments = d.environments(n, imgs, u)
	}
	return p
}

// frontDoor decodes frontdoor: and returns the node of its admin address, if given.
func (d *decoder) frontDoor(s *section, p *Project) *yaml.Node {
	n := s.Get("frontdoor")
	if n == nil {
		return nil
	}
	fd, ok := d.Section("frontdoor", s.Key("frontdoor"), n, fileKeys[FrontDoor]("")...)
	if !ok {
		return nil
	}
	admin := fd.Get("admin")
	if admin == nil {
		return nil
	}
	if v, ok := d.str("frontdoor.admin", admin); ok {
		if err := checkLoopback(v); err != nil {
			d.Errorf(admin, "frontdoor.admin", "%v", err)
		} else {
			p.FrontDoor.Admin = v
		}
	}
	return admin
}

// notify decodes notify:, the webhook events go to, and the addresses
// besides public ones it may reach: allow: [loopback, private].
func (d *decoder) notify(s *section, p *Project) {
	n := s.Get("notify")
	if n == nil {
		return
	}
	ns, ok := d.Section("notify", s.Key("notify"), n, fileKeys[Notify]("")...)
	if !ok {
		return
	}
	if v := ns.Get("allow"); v != nil {
		if _, ok := d.strings("notify.allow", v); !ok {
			return
		}
		for i, item := range resolve(v).Content {
			switch kind, _ := d.oneOf(index("notify.allow", i), item, "loopback", "private"); kind {
			case "loopback":
				p.Notify.Allow.Loopback = true
			case "private":
				p.Notify.Allow.Private = true
			}
		}
	}
	if v := ns.Get("webhook"); v != nil {
		if raw, ok := d.str("notify.webhook", v); ok {
			if err := notify.CheckURL(raw, p.Notify.Allow); err != nil {
				d.Errorf(v, "notify.webhook", "%q: %v", raw, err)
				return
			}
			p.Notify.Webhook = raw
		}
	}
}

// aws decodes aws:, how bake reaches the AWS API.
func (d *decoder) aws(s *section, p *Project) {
	n := s.Get("aws")
	if n == nil {
		return
	}
	as, ok := d.Section("aws", s.Key("aws"), n, fileKeys[AWS]("")...)
	if !ok {
		return
	}
	if v := as.Get("region"); v != nil {
		if r, ok := d.str("aws.region", v); ok {
			if problem := regionProblem(r); problem != "" {
				d.Errorf(v, "aws.region", "%s", problem)
			}
			p.AWS.Region = r
		}
	}
	if v := as.Get("endpoint"); v != nil {
		if raw, ok := d.str("aws.endpoint", v); ok {
			u, err := url.Parse(raw)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				d.Errorf(v, "aws.endpoint", "%q is not an http or https URL", raw)
				return
			}
			p.AWS.Endpoint = raw
		}
	}
}

// ledgerLocation decodes `ledger:`. A dynamodb:// URL names a DynamoDB table
// and is kept as written; the ledger package reads it here too, so that a
// mistake is reported at its line. Anything else is the path of a SQLite
// file, relative to bake.yaml.
func (d *decoder) ledgerLocation(n *yaml.Node, v string, p *Project) {
	scheme, _, isURL := strings.Cut(v, "://")
	switch {
	case strings.HasPrefix(strings.ToLower(v), "dynamodb:"):
		if _, err := location.ParseDynamoDB(v); err != nil {
			d.Errorf(n, "ledger", "%v", err)
			return
		}
		p.Ledger = v
	case isURL && urlScheme.MatchString(scheme):
		d.Errorf(n, "ledger", "unknown ledger URL scheme %q; expected a file path or dynamodb://TABLE?region=REGION", scheme)
	default:
		p.Ledger = d.abs(v)
	}
}

// urlScheme is what a URL scheme looks like (RFC 3986), to tell a URL from a path.
var urlScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)

// abs resolves a path from bake.yaml against its directory.
func (d *decoder) abs(path string) string {
	if filepath.IsAbs(path) {
		return filepath.Clean(path)
	}
	return filepath.Join(d.dir, path)
}
