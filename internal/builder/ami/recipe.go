package ami

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bakehq/bake/internal/builder"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/yamlerr"
)

// Recipe is a rendered ami.yaml.
type Recipe struct {
	Source       Source
	InstanceType string            // default config.DefaultInstanceType
	Subnet       string            // "" for the default subnet of the build region
	Scripts      []string          // slash-separated paths in the build context, run in order
	Env          map[string]string // environment the scripts run with
	Regions      []string          // regions the AMI is copied to, besides the build region
	ShareWith    []string          // account ids given launch permission in every region
	VolumeSize   int32             // GiB of the root volume; 0 keeps the source AMI's
}

// Source says which AMI the build starts from: one AMI by id, or the most
// recent available image that matches Filters and is owned by one of Owners.
type Source struct {
	AMI     string
	Filters map[string][]string
	Owners  []string
}

// recipeKeys are the keys of ami.yaml, in the order the docs list them.
var recipeKeys = []string{"source", "instance_type", "subnet", "scripts", "env", "regions", "share_with", "volume_size"}

var (
	regionName  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	accountID   = regexp.MustCompile(`^[0-9]{12}$`)
	envName     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	maxVolumeGB = 16384
)

// recipeDecoder reads one ami.yaml and collects every problem in it.
type recipeDecoder struct {
	file    string // as shown in messages
	context string // the build context scripts are read from
	errs    []problem
}

// problem is one message at its place; messages are sorted by place.
type problem struct {
	line, col int
	msg       string
}

func (d *recipeDecoder) errorf(n *yaml.Node, key, format string, args ...any) {
	line, col := 0, 0
	if n != nil {
		line, col = n.Line, n.Column
	}
	d.errs = append(d.errs, problem{line, col, yamlerr.Format(d.file, line, col, key, fmt.Sprintf(format, args...))})
}

// parseRecipe decodes a rendered ami.yaml; file names it in messages and
// context is the build context its scripts must be in. Every problem is an
// ErrTemplate error naming the file, line, column and key.
func parseRecipe(file, context string, rendered []byte) (Recipe, error) {
	d := &recipeDecoder{file: file, context: context}
	var doc yaml.Node
	if err := yaml.Unmarshal(rendered, &doc); err != nil {
		return Recipe{}, fmt.Errorf("%w: %s: %v", builder.ErrTemplate, file, err)
	}
	rec := Recipe{InstanceType: config.DefaultInstanceType}
	if len(doc.Content) == 0 {
		d.errorf(nil, "", "empty: it needs at least a source")
		return rec, d.err()
	}
	entries := d.mapping("", doc.Content[0], recipeKeys...)
	if entries == nil {
		return rec, d.err()
	}
	if _, ok := entries["source"]; !ok {
		d.errorf(doc.Content[0], "source", "required: an AMI id (source: {ami: ami-...}) or filters and owners")
	}
	for name, e := range entries {
		v := e[1]
		switch name {
		case "source":
			rec.Source = d.source(v)
		case "instance_type":
			if s, ok := d.str(name, v); ok {
				rec.InstanceType = s
			}
		case "subnet":
			if s, ok := d.str(name, v); ok {
				if !strings.HasPrefix(s, "subnet-") {
					d.errorf(v, name, "expected a subnet id (subnet-...), got %q", s)
				}
				rec.Subnet = s
			}
		case "scripts":
			rec.Scripts = d.scripts(v)
		case "env":
			rec.Env = d.env(v)
		case "regions":
			rec.Regions = d.list(name, v, func(n *yaml.Node, key, s string) bool {
				if !regionName.MatchString(s) {
					d.errorf(n, key, "expected a region name such as us-west-2, got %q", s)
					return false
				}
				return true
			})
		case "share_with":
			rec.ShareWith = d.list(name, v, func(n *yaml.Node, key, s string) bool {
				if !accountID.MatchString(s) {
					d.errorf(n, key, "expected a 12-digit account id, got %q (quote it so YAML keeps it a string)", s)
					return false
				}
				return true
			})
		case "volume_size":
			n, err := strconv.Atoi(v.Value)
			if v.Kind != yaml.ScalarNode || err != nil || n < 1 || n > maxVolumeGB {
				d.errorf(v, name, "expected a size in GiB from 1 to %d, got %s", maxVolumeGB, yamlerr.Describe(v))
			} else {
				rec.VolumeSize = int32(n)
			}
		}
	}
	return rec, d.err()
}

func (d *recipeDecoder) err() error {
	if len(d.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(d.errs, func(a, b problem) int {
		if a.line != b.line {
			return a.line - b.line
		}
		return a.col - b.col
	})
	msgs := make([]string, len(d.errs))
	for i, p := range d.errs {
		msgs[i] = p.msg
	}
	return fmt.Errorf("%w: %s", builder.ErrTemplate, strings.Join(msgs, "\n"))
}

// mapping returns the entries of a mapping node by key ([key node, value
// node]), reporting unknown and duplicate keys; nil if n is no mapping.
func (d *recipeDecoder) mapping(path string, n *yaml.Node, known ...string) map[string][2]*yaml.Node {
	n = yamlerr.Resolve(n)
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "expected a mapping, got %s", yamlerr.Describe(n))
		return nil
	}
	out := map[string][2]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := yamlerr.Resolve(n.Content[i]), yamlerr.Resolve(n.Content[i+1])
		key := yamlerr.Join(path, k.Value)
		switch {
		case k.Kind != yaml.ScalarNode:
			d.errorf(k, path, "expected a key, got %s", yamlerr.Describe(k))
		case known != nil && !slices.Contains(known, k.Value):
			d.errorf(k, key, "unknown key; expected one of %s", strings.Join(known, ", "))
		case out[k.Value][0] != nil:
			d.errorf(k, key, "duplicate key; first defined at line %d", out[k.Value][0].Line)
		default:
			out[k.Value] = [2]*yaml.Node{k, v}
		}
	}
	return out
}

// str reads a non-empty string scalar.
func (d *recipeDecoder) str(key string, n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode || yamlerr.IsNull(n) || n.Value == "" {
		d.errorf(n, key, "expected a non-empty string, got %s", yamlerr.Describe(n))
		return "", false
	}
	return n.Value, true
}

// list reads a list of strings (or one string), each checked by ok, and
// reports duplicates.
func (d *recipeDecoder) list(key string, n *yaml.Node, ok func(n *yaml.Node, key, s string) bool) []string {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	var out []string
	for i, item := range items {
		item = yamlerr.Resolve(item)
		k := key
		if n.Kind == yaml.SequenceNode {
			k = yamlerr.Index(key, i)
		}
		s, good := d.str(k, item)
		if !good || (ok != nil && !ok(item, k, s)) {
			continue
		}
		if slices.Contains(out, s) {
			d.errorf(item, k, "%q is listed twice", s)
			continue
		}
		out = append(out, s)
	}
	return out
}

func (d *recipeDecoder) source(n *yaml.Node) Source {
	var src Source
	entries := d.mapping("source", n, "ami", "filters", "owners")
	if entries == nil {
		return src
	}
	ami, hasAMI := entries["ami"]
	filters, hasFilters := entries["filters"]
	owners, hasOwners := entries["owners"]
	switch {
	case hasAMI && (hasFilters || hasOwners):
		d.errorf(ami[0], "source.ami", "give an AMI id or filters and owners, not both")
	case hasAMI:
		if s, ok := d.str("source.ami", ami[1]); ok {
			if !strings.HasPrefix(s, "ami-") {
				d.errorf(ami[1], "source.ami", "expected an AMI id (ami-...), got %q", s)
			}
			src.AMI = s
		}
	case !hasFilters:
		d.errorf(n, "source", "needs ami, or filters and owners")
	case !hasOwners:
		d.errorf(filters[0], "source.owners", "required with filters (account ids, \"self\" or an alias such as \"amazon\"), so an image anyone published cannot be picked")
	default:
		src.Owners = d.list("source.owners", owners[1], nil)
		src.Filters = map[string][]string{}
		fs := d.mapping("source.filters", filters[1])
		for name, e := range fs {
			src.Filters[name] = d.list(yamlerr.Join("source.filters", name), e[1], nil)
		}
		if fs != nil && len(fs) == 0 {
			d.errorf(filters[1], "source.filters", "empty: name at least one filter, such as name: \"debian-12-amd64-*\"")
		}
	}
	return src
}

// scripts reads the list of provisioning scripts and checks that each is a
// regular file inside the build context.
func (d *recipeDecoder) scripts(n *yaml.Node) []string {
	return d.list("scripts", n, func(n *yaml.Node, key, s string) bool {
		clean := filepath.ToSlash(filepath.Clean(filepath.FromSlash(s)))
		if filepath.IsAbs(s) || clean == ".." || strings.HasPrefix(clean, "../") {
			d.errorf(n, key, "%q is not inside the build context %s", s, d.context)
			return false
		}
		info, err := os.Stat(filepath.Join(d.context, filepath.FromSlash(clean)))
		switch {
		case err != nil:
			d.errorf(n, key, "%q is not in the build context %s", s, d.context)
			return false
		case !info.Mode().IsRegular():
			d.errorf(n, key, "%q in the build context %s is not a regular file", s, d.context)
			return false
		}
		return true
	})
}

func (d *recipeDecoder) env(n *yaml.Node) map[string]string {
	entries := d.mapping("env", n)
	if entries == nil {
		return nil
	}
	env := map[string]string{}
	for name, e := range entries {
		key := yamlerr.Join("env", name)
		if !envName.MatchString(name) {
			d.errorf(e[0], key, "not a shell variable name")
			continue
		}
		if e[1].Kind != yaml.ScalarNode || yamlerr.IsNull(e[1]) {
			d.errorf(e[1], key, "expected a string, got %s", yamlerr.Describe(e[1]))
			continue
		}
		env[name] = e[1].Value
	}
	return env
}
