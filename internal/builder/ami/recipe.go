package ami

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

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
	// Timeout bounds how long the build instance has to run the scripts and
	// power itself off; 0 leaves the builder's (1 hour).
	Timeout time.Duration
	// InstanceProfile names the build instance's IAM instance profile ("" for none).
	InstanceProfile string
	// At locates values in ami.yaml (instance_type, subnet and source: the
	// AMI id or the key), for problems EC2 finds with them later.
	At map[string]yamlerr.Error
}

// Source says which AMI the build starts from: one AMI by id, or the most
// recent available image that matches Filters and is owned by one of Owners.
type Source struct {
	AMI     string
	Filters map[string][]string
	Owners  []string
}

// recipeKeys are the keys of ami.yaml, in the order the docs list them.
var recipeKeys = []string{"source", "instance_type", "subnet", "scripts", "env", "regions", "share_with", "volume_size", "timeout", "instance_profile"}

var (
	regionName  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	accountID   = regexp.MustCompile(`^[0-9]{12}$`)
	envName     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	maxVolumeGB = 16384
	// instanceTypeShape is what an EC2 instance type looks like (t3.micro,
	// m7i-flex.large); whether the region offers it is checked against EC2.
	instanceTypeShape = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9-]+$`)
	// profileName is what IAM allows in an instance profile's name.
	profileName = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
	// The shortest and longest build timeouts ami.yaml may set.
	minTimeout, maxTimeout = time.Minute, 24 * time.Hour
)

// recipeDecoder reads one ami.yaml and collects every problem in it.
type recipeDecoder struct {
	*yamlerr.Decoder
	context string // the build context scripts are read from
}

// parseRecipe decodes a rendered ami.yaml; file names it in messages and
// context is the build context its scripts must be in. Every problem is an
// ErrTemplate error naming the file, line, column and key.
func parseRecipe(file, context string, rendered []byte) (Recipe, error) {
	d := &recipeDecoder{Decoder: &yamlerr.Decoder{File: file, Kind: builder.ErrTemplate}, context: context}
	rec := Recipe{InstanceType: config.DefaultInstanceType, At: map[string]yamlerr.Error{}}
	root, ok := d.Document(rendered)
	if !ok {
		return rec, d.err()
	}
	if root == nil {
		d.Errorf(nil, "", "empty: it needs at least a source")
		return rec, d.err()
	}
	s, ok := d.Section("", root, root, recipeKeys...)
	if !ok {
		return rec, d.err()
	}
	if v := s.Get("source"); v != nil {
		var at *yaml.Node
		rec.Source, at = d.source(s.Key("source"), v)
		d.place(&rec, "source", at)
		if rec.Source.AMI != "" {
			e := rec.At["source"]
			e.Key = "source.ami"
			rec.At["source"] = e
		}
	} else if !s.Misspelt("source") {
		d.Errorf(root, "source", "required: an AMI id (source: {ami: ami-...}) or filters and owners")
	}
	if v := s.Get("instance_type"); v != nil {
		if t, ok := d.str("instance_type", v); ok {
			if !instanceTypeShape.MatchString(t) {
				d.Errorf(v, "instance_type", "expected an EC2 instance type such as %s, got %q", config.DefaultInstanceType, t)
			}
			rec.InstanceType = t
			d.place(&rec, "instance_type", v)
		}
	}
	if v := s.Get("subnet"); v != nil {
		if t, ok := d.str("subnet", v); ok {
			if !strings.HasPrefix(t, "subnet-") {
				d.Errorf(v, "subnet", "expected a subnet id (subnet-...), got %q", t)
			}
			rec.Subnet = t
			d.place(&rec, "subnet", v)
		}
	}
	if v := s.Get("scripts"); v != nil {
		rec.Scripts = d.scripts(v)
	}
	if v := s.Get("env"); v != nil {
		rec.Env = d.env(v)
	}
	if v := s.Get("regions"); v != nil {
		rec.Regions = d.list("regions", v, func(n *yaml.Node, key, s string) bool {
			if !regionName.MatchString(s) {
				d.Errorf(n, key, "expected a region name such as us-west-2, got %q", s)
				return false
			}
			return true
		})
	}
	if v := s.Get("share_with"); v != nil {
		rec.ShareWith = d.list("share_with", v, func(n *yaml.Node, key, s string) bool {
			if !accountID.MatchString(s) {
				d.Errorf(n, key, "expected a 12-digit account id, got %q (quote it so YAML keeps it a string)", s)
				return false
			}
			return true
		})
	}
	if v := s.Get("volume_size"); v != nil {
		n, err := strconv.Atoi(v.Value)
		if v.Kind != yaml.ScalarNode || err != nil || n < 1 || n > maxVolumeGB {
			d.Errorf(v, "volume_size", "expected a size in GiB from 1 to %d, got %s", maxVolumeGB, yamlerr.Describe(v))
		} else {
			rec.VolumeSize = int32(n)
		}
	}
	if v := s.Get("timeout"); v != nil {
		rec.Timeout = d.timeout(v)
	}
	if v := s.Get("instance_profile"); v != nil {
		if t, ok := d.str("instance_profile", v); ok {
			if !profileName.MatchString(t) {
				d.Errorf(v, "instance_profile", "expected the name of an IAM instance profile (letters, digits and +=,.@_-), got %q", t)
			}
			rec.InstanceProfile = t
		}
	}
	return rec, d.err()
}

// place records where key's value is, for problems found with it later.
func (d *recipeDecoder) place(rec *Recipe, key string, n *yaml.Node) {
	if n != nil {
		rec.At[key] = yamlerr.Error{File: d.File, Line: n.Line, Column: n.Column, Key: key, Kind: builder.ErrTemplate}
	}
}

// timeout reads the build timeout: a Go duration within bounds.
func (d *recipeDecoder) timeout(n *yaml.Node) time.Duration {
	v, err := time.ParseDuration(n.Value)
	switch {
	case n.Kind != yaml.ScalarNode || err != nil:
		d.Errorf(n, "timeout", "expected a duration such as \"30m\" or \"1h30m\", got %s", yamlerr.Describe(n))
	case v < minTimeout || v > maxTimeout:
		d.Errorf(n, "timeout", "expected a duration from %s to %s, got %s", minTimeout, "24h", n.Value)
	default:
		return v
	}
	return 0
}

// err is every problem found, in file order, as one ErrTemplate error.
func (d *recipeDecoder) err() error {
	if err := d.Err(); err != nil {
		return fmt.Errorf("%w: %w", builder.ErrTemplate, err)
	}
	return nil
}

// str reads a non-empty string scalar.
func (d *recipeDecoder) str(key string, n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode || yamlerr.IsNull(n) || n.Value == "" {
		d.Errorf(n, key, "expected a non-empty string, got %s", yamlerr.Describe(n))
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
			d.Errorf(item, k, "%q is listed twice", s)
			continue
		}
		out = append(out, s)
	}
	return out
}

// scripts reads the list of provisioning scripts and checks that each is a
// regular file inside the build context.
func (d *recipeDecoder) scripts(n *yaml.Node) []string {
	return d.list("scripts", n, func(n *yaml.Node, key, s string) bool {
		clean := filepath.ToSlash(filepath.Clean(filepath.FromSlash(s)))
		if filepath.IsAbs(s) || clean == ".." || strings.HasPrefix(clean, "../") {
			d.Errorf(n, key, "%q is not inside the build context %s", s, d.context)
			return false
		}
		file := filepath.Join(d.context, filepath.FromSlash(clean))
		info, err := os.Stat(file)
		switch {
		case err != nil:
			d.Errorf(n, key, "%q is not in the build context %s", s, d.context)
			return false
		case !insideReal(d.context, file):
			// The script goes into the instance's user data, so a link to
			// ~/.aws/credentials would ship the file with the image.
			d.Errorf(n, key, "%q leads out of the build context %s through a symbolic link: keep scripts inside it", s, d.context)
			return false
		case !info.Mode().IsRegular():
			d.Errorf(n, key, "%q in the build context %s is not a regular file", s, d.context)
			return false
		}
		return true
	})
}

func (d *recipeDecoder) env(n *yaml.Node) map[string]string {
	entries, ok := d.Entries("env", n)
	if !ok {
		return nil
	}
	env := map[string]string{}
	for _, e := range entries {
		name, v := e.Name(), yamlerr.Resolve(e.Value)
		key := yamlerr.Join("env", name)
		if !envName.MatchString(name) {
			d.Errorf(e.Key, key, "not a shell variable name")
			continue
		}
		if v.Kind != yaml.ScalarNode || yamlerr.IsNull(v) {
			d.Errorf(v, key, "expected a string, got %s", yamlerr.Describe(v))
			continue
		}
		env[name] = v.Value
	}
	return env
}

// insideReal says whether file, once its symbolic links are followed, is
// still inside dir.
func insideReal(dir, file string) bool {
	real, err := filepath.EvalSymlinks(file)
	if err != nil {
		return false
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(root, real)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
