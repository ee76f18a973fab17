package builder

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/bakehq/bake/internal/yamlerr"
)

// rootfsKeys are the keys of rootfs.yaml.
var rootfsKeys = []string{"suite", "variant", "include", "epoch", "cmd", "env"}

// parseRootfsRecipe reads a rendered rootfs.yaml strictly: a syntax error, an
// unknown key, a value of the wrong kind or a missing suite is an
// ErrTemplate error naming the file, line, column and key.
func parseRootfsRecipe(file string, rendered []byte) (Recipe, error) {
	var rec Recipe
	d := &yamlerr.Decoder{File: file, Kind: ErrTemplate}
	root, ok := d.Document(rendered)
	if !ok {
		return rec, fmt.Errorf("%w: %w", ErrTemplate, d.Err())
	}
	if root == nil {
		root = &yaml.Node{Kind: yaml.MappingNode, Line: 1, Column: 1}
	}
	s, ok := d.Section("", root, root, rootfsKeys...)
	if !ok {
		return rec, fmt.Errorf("%w: %w", ErrTemplate, d.Err())
	}
	fields := map[string]any{"suite": &rec.Suite, "variant": &rec.Variant, "include": &rec.Include,
		"epoch": &rec.Epoch, "cmd": &rec.Cmd, "env": &rec.Env}
	kinds := map[string]string{"suite": "a string", "variant": "a string", "include": "a list of strings",
		"epoch": "a whole number of seconds", "cmd": "a list of strings", "env": "a list of strings"}
	for _, key := range rootfsKeys {
		if v := s.Get(key); v != nil && v.Decode(fields[key]) != nil {
			d.Errorf(v, key, "expected %s, got %s", kinds[key], yamlerr.Describe(v))
		}
	}
	if rec.Suite == "" && len(d.Errs) == 0 {
		d.Errorf(root, "suite", "required: the Debian suite to bake, such as bookworm")
	}
	checkArgs(d, s, rec)
	if err := d.Err(); err != nil {
		return rec, fmt.Errorf("%w: %w", ErrTemplate, err)
	}
	return rec, nil
}

// What reaches mmdebstrap's command line: a suite name, a variant it knows
// and Debian package names (with an optional architecture, version or
// release). Anything else, such as a value starting with "-", could become
// one of its options (--setup-hook runs a command on the host), and a path
// to a .deb would install a file from the host.
var (
	suiteName   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	packageName = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]*(:[a-z0-9-]+)?(=[A-Za-z0-9.+~:-]+|/[A-Za-z0-9.-]+)?$`)
	variants    = []string{"extract", "custom", "essential", "apt", "required", "minbase", "buildd", "important", "debootstrap", "standard"}
)

// checkArgs reports, at its line, a value of the recipe that is not what
// mmdebstrap's command line takes there.
func checkArgs(d *yamlerr.Decoder, s *yamlerr.Section, rec Recipe) {
	if n := s.Get("suite"); n != nil && rec.Suite != "" && !suiteName.MatchString(rec.Suite) {
		d.Errorf(n, "suite", "%q is not a Debian suite name such as bookworm", rec.Suite)
	}
	if n := s.Get("variant"); n != nil && rec.Variant != "" && !slices.Contains(variants, rec.Variant) {
		d.Errorf(n, "variant", "%q is not an mmdebstrap variant; expected one of: %s", rec.Variant, strings.Join(variants, ", "))
	}
	if n := s.Get("include"); n != nil && n.Kind == yaml.SequenceNode {
		for i, p := range rec.Include {
			// mmdebstrap splits an --include at commas and spaces.
			for _, name := range strings.FieldsFunc(p, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
				if !packageName.MatchString(name) && i < len(n.Content) {
					d.Errorf(n.Content[i], fmt.Sprintf("include[%d]", i), "%q is not a Debian package name such as curl", name)
					break
				}
			}
		}
	}
}
