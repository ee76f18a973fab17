package builder

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// PackerTemplateJSON is the file a Packer JSON template directory holds.
const PackerTemplateJSON = "packer.json"

// PackerTemplateHCL ends the names of the files of a Packer HCL2 template directory.
const PackerTemplateHCL = ".pkr.hcl"

// Packer 1.6.6 also reads these from an HCL2 template directory.
const (
	packerHCLJSON  = ".pkr.json"
	packerAutoVars = ".auto.pkrvars.hcl"
)

// IsPackerTemplate reports whether dir holds a Packer template: *.pkr.hcl files or a packer.json.
func IsPackerTemplate(dir string) bool {
	hclFiles, _ := filepath.Glob(filepath.Join(dir, "*"+PackerTemplateHCL))
	if len(hclFiles) > 0 {
		return true
	}
	_, err := os.Stat(filepath.Join(dir, PackerTemplateJSON))
	return err == nil
}

// packerTemplate is a Packer template directory and the variables it declares.
type packerTemplate struct {
	path      string          // what `packer build` is given: the directory (HCL2) or its packer.json
	vars      map[string]bool // declared variable -> whether it has a value without bake
	sensitive map[string]bool // variables declared sensitive (HCL2 sensitive = true; JSON "sensitive-variables")
}

// readPackerTemplate finds the template in dir and reads which variables it
// declares, so bake passes only those: Packer refuses an undeclared -var in HCL2.
func readPackerTemplate(dir string) (packerTemplate, error) {
	// Packer runs in the build context: the template must not depend on where bake runs.
	dir, err := filepath.Abs(dir)
	if err != nil {
		return packerTemplate{}, err
	}
	hclFiles, err := filepath.Glob(filepath.Join(dir, "*"+PackerTemplateHCL))
	if err != nil {
		return packerTemplate{}, err
	}
	jsonPath := filepath.Join(dir, PackerTemplateJSON)
	_, jsonErr := os.Stat(jsonPath)
	switch {
	case len(hclFiles) > 0 && jsonErr == nil:
		return packerTemplate{}, fmt.Errorf("%w: %s holds both *%s files and %s: keep one", ErrTemplate, dir, PackerTemplateHCL, PackerTemplateJSON)
	case len(hclFiles) > 0:
		t := packerTemplate{path: dir, sensitive: map[string]bool{}}
		t.vars, err = hclVariables(dir, t.sensitive)
		return t, err
	case jsonErr == nil:
		t := packerTemplate{path: jsonPath, sensitive: map[string]bool{}}
		t.vars, err = jsonVariables(jsonPath, t.sensitive)
		return t, err
	default:
		return packerTemplate{}, fmt.Errorf("%w: %s holds no Packer template (*%s or %s)", ErrTemplate, dir, PackerTemplateHCL, PackerTemplateJSON)
	}
}

var (
	variableSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "variables"}, // the older form: one block whose attributes are variables with defaults
	}}
	defaultSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "default"}, {Name: "sensitive"}}}
)

// hclVariables reads the variables the HCL2 files of dir declare, the way
// Packer 1.6.6 loads a directory, and which of them are sensitive.
func hclVariables(dir string, sensitive map[string]bool) (map[string]bool, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %v", ErrTemplate, dir, err)
	}
	parser := hclparse.NewParser()
	vars := map[string]bool{}
	var autoVars []*hcl.File
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		var f *hcl.File
		var diags hcl.Diagnostics
		switch name := e.Name(); {
		case e.IsDir():
			continue
		case strings.HasSuffix(name, packerAutoVars):
			if f, diags = parser.ParseHCLFile(path); !diags.HasErrors() {
				autoVars = append(autoVars, f)
			}
		case strings.HasSuffix(name, PackerTemplateHCL):
			f, diags = parser.ParseHCLFile(path)
		case strings.HasSuffix(name, packerHCLJSON):
			f, diags = parser.ParseJSONFile(path)
		default:
			continue
		}
		if diags.HasErrors() {
			return nil, fmt.Errorf("%w: %v", ErrTemplate, diags)
		}
		if strings.HasSuffix(e.Name(), packerAutoVars) {
			continue
		}
		if err := declaredIn(f.Body, vars, sensitive); err != nil {
			return nil, err
		}
	}
	for _, f := range autoVars {
		attrs, diags := f.Body.JustAttributes()
		if diags.HasErrors() {
			return nil, fmt.Errorf("%w: %v", ErrTemplate, diags)
		}
		for name := range attrs {
			if _, ok := vars[name]; ok {
				vars[name] = true
			}
		}
	}
	return vars, nil
}

func declaredIn(body hcl.Body, vars, sensitive map[string]bool) error {
	content, _, diags := body.PartialContent(variableSchema)
	if diags.HasErrors() {
		return fmt.Errorf("%w: %v", ErrTemplate, diags)
	}
	for _, b := range content.Blocks {
		switch b.Type {
		case "variable":
			inner, _, diags := b.Body.PartialContent(defaultSchema)
			if diags.HasErrors() {
				return fmt.Errorf("%w: %v", ErrTemplate, diags)
			}
			vars[b.Labels[0]] = inner.Attributes["default"] != nil
			if a := inner.Attributes["sensitive"]; a != nil {
				v, diags := a.Expr.Value(nil)
				// (cty, whose bool type this is, is not a direct dependency.)
				if !diags.HasErrors() && v.IsKnown() && !v.IsNull() && v.Type().FriendlyName() == "bool" && v.True() {
					sensitive[b.Labels[0]] = true
				}
			}
		case "variables":
			attrs, diags := b.Body.JustAttributes()
			if diags.HasErrors() {
				return fmt.Errorf("%w: %v", ErrTemplate, diags)
			}
			for name := range attrs {
				vars[name] = true
			}
		}
	}
	return nil
}

// packerVars are the -var arguments of a build, sorted: bake's own variables
// (version, git_commit, image, base) where the template declares them, and
// every variable of the image definition, each of which it must declare.
func packerVars(s Spec, t packerTemplate) ([]string, error) {
	values := map[string]string{}
	own := map[string]string{"version": s.Version, "git_commit": s.GitCommit, "image": s.Image.Name}
	if s.BaseRef != "" {
		own["base"] = s.BaseRef
	}
	for name, v := range own {
		if _, declared := t.vars[name]; declared {
			values[name] = v
		}
	}
	if err := checkPackerSecrets(s, t, own); err != nil {
		return nil, err
	}
	for name, v := range s.Image.Vars {
		if _, ours := own[name]; ours || name == "base" {
			return nil, fmt.Errorf("%w: image %q sets variable %q, which bake sets itself", ErrTemplate, s.Image.Name, name)
		}
		if _, declared := t.vars[name]; !declared {
			return nil, fmt.Errorf("%w: image %q sets variable %q, which %s does not declare", ErrTemplate, s.Image.Name, name, t.path)
		}
		values[name] = v
	}
	declared := make([]string, 0, len(t.vars))
	for name := range t.vars {
		declared = append(declared, name)
	}
	sort.Strings(declared)
	for _, name := range declared {
		if _, set := values[name]; set || t.vars[name] || slices.Contains(s.Image.Secrets, name) {
			continue
		}
		if name == "base" {
			return nil, fmt.Errorf("%w: %s needs variable \"base\": give image %q a base", ErrTemplate, t.path, s.Image.Name)
		}
		return nil, fmt.Errorf("%w: %s needs variable %q: set it in the vars of image %q", ErrTemplate, t.path, name, s.Image.Name)
	}
	// Secrets are not among them: they go in a var-file (see packerSecretsFile).
	args := make([]string, 0, len(values))
	for name, v := range values {
		args = append(args, name+"="+v)
	}
	sort.Strings(args)
	return args, nil
}

// checkPackerSecrets makes sure the template declares every secret of the
// image as a sensitive variable, which bake sets from a var-file.
func checkPackerSecrets(s Spec, t packerTemplate, own map[string]string) error {
	for _, name := range s.Image.Secrets {
		if _, ours := own[name]; ours || name == "base" {
			return fmt.Errorf("%w: image %q has secret %q, a variable bake sets itself", ErrTemplate, s.Image.Name, name)
		}
		if _, declared := t.vars[name]; !declared {
			return fmt.Errorf("%w: image %q has secret %q, which %s does not declare: add a variable %q with sensitive = true",
				ErrTemplate, s.Image.Name, name, t.path, name)
		}
		if !t.sensitive[name] {
			how := "sensitive = true in its variable block"
			if strings.HasSuffix(t.path, ".json") {
				how = `it in "sensitive-variables"`
			}
			return fmt.Errorf("%w: %s declares variable %q, a secret of image %q, but not as sensitive: add %s",
				ErrTemplate, t.path, name, s.Image.Name, how)
		}
	}
	return nil
}
