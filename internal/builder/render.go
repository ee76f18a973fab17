package builder

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"text/template"
)

// TemplateData is what a Dockerfile template sees.
type TemplateData struct {
	Image     string
	Version   string
	GitCommit string
	Base      string // base release by digest
	Vars      map[string]string
}

func templateData(s Spec) TemplateData {
	vars := map[string]string{}
	for k, v := range s.Image.Vars {
		vars[k] = v
	}
	return TemplateData{Image: s.Image.Name, Version: s.Version, GitCommit: s.GitCommit, Base: s.BaseRef, Vars: vars}
}

// Render renders the template file name in the image's template directory.
func Render(s Spec, name string) ([]byte, error) {
	path := filepath.Join(s.Image.Template, name)
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %v", ErrTemplate, path, err)
	}
	t, err := template.New(path).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTemplate, err)
	}
	var out bytes.Buffer
	if err := t.Execute(&out, templateData(s)); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTemplate, err)
	}
	return out.Bytes(), nil
}
