package builder

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
// Only a Dockerfile template may use {{ secret "NAME" }}; anywhere else it is
// a template error.
func Render(s Spec, name string) ([]byte, error) {
	return render(s, name, func(secretName string) (string, error) {
		return "", fmt.Errorf("secret %q: only a Dockerfile template can use secrets; %s cannot", secretName, name)
	})
}

// render renders name with {{ secret "NAME" }} answered by secretExpr, after
// checking that the image declares the secret.
func render(s Spec, name string, secretExpr func(name string) (string, error)) ([]byte, error) {
	path := filepath.Join(s.Image.Template, name)
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %v", ErrTemplate, path, err)
	}
	funcs := template.FuncMap{"secret": func(secret string) (string, error) {
		if !slices.Contains(s.Image.Secrets, secret) {
			return "", fmt.Errorf("secret %q is not declared: add it to the secrets of image %q in bake.yaml", secret, s.Image.Name)
		}
		return secretExpr(secret)
	}}
	t, err := template.New(path).Option("missingkey=error").Funcs(funcs).Parse(string(src))
	if err != nil {
		return nil, templateError(s, err)
	}
	var out bytes.Buffer
	if err := t.Execute(&out, templateData(s)); err != nil {
		return nil, templateError(s, err)
	}
	return out.Bytes(), nil
}
