package builder

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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
	path string          // what `packer build` is given: the directory (HCL2) or its packer.json
	vars map[string]bool // declared variable -> whether it has a value without bake
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
		vars, err := hclVariables(dir)
		return packerTemplate{path: dir, vars: vars}, err
	case jsonErr == nil:
		vars, err := jsonVariables(jsonPath)
		return packerTemplate{path: jsonPath, vars: vars}, err
	default:
		return packerTemplate{}, fmt.Errorf("%w: %s holds no Packer template (*%s or %s)", ErrTemplate, dir, PackerTemplateHCL, PackerTemplateJSON)
	}
}

var (
	variableSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "variables"}, // the older form: one block whose attributes are variables with defaults
	}}
	defaultSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "default"}}}
)

// hclVariables reads the variables the HCL2 files of dir declare, the way Packer 1.6.6 loads a directory.
func hclVariables(dir string) (map[string]bool, error) {
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
		if err := declaredIn(f.Body, vars); err != nil {
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

func declaredIn(body hcl.Body, vars map[string]bool) error {
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

// jsonVariables reads the "variables" object of a JSON template; null marks a required one.
func jsonVariables(path string) (map[string]bool, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %v", ErrTemplate, path, err)
	}
	var tmpl struct {
		Variables map[string]json.RawMessage `json:"variables"`
	}
	if err := json.Unmarshal(src, &tmpl); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrTemplate, path, err)
	}
	vars := map[string]bool{}
	for name, v := range tmpl.Variables {
		vars[name] = strings.TrimSpace(string(v)) != "null"
	}
	return vars, nil
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
		if _, set := values[name]; set || t.vars[name] {
			continue
		}
		if name == "base" {
			return nil, fmt.Errorf("%w: %s needs variable \"base\": give image %q a base", ErrTemplate, t.path, s.Image.Name)
		}
		return nil, fmt.Errorf("%w: %s needs variable %q: set it in the vars of image %q", ErrTemplate, t.path, name, s.Image.Name)
	}
	args := make([]string, 0, len(values))
	for name, v := range values {
		args = append(args, name+"="+v)
	}
	sort.Strings(args)
	return args, nil
}
