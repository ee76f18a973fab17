package adopt

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/template"
)

// environments are the stages an adopted project gets, as the example
// project has them; the last one is protected.
var environments = []string{"dev", "qa", "prod"}

var configTemplate = template.Must(template.New("bake.yaml").Funcs(template.FuncMap{"quote": strconv.Quote, "join": strings.Join}).Parse(
	`# bake.yaml: builds {{ .P.Dockerfile }} as it is, without templating (written by
# ` + "`bake init`" + `). bake gives it BAKE_VERSION, BAKE_IMAGE, BAKE_GIT_COMMIT and
# BAKE_BASE as build arguments where it declares them (ARG).
project: {{ .O.Project }}
registry: {{ .O.Registry }}  # where releases are pushed, by digest
ledger: .bake/ledger.db

images:
  {{ .P.Image }}:
    dockerfile: {{ quote .P.Dockerfile }}
    context: {{ quote .P.Context }}
    port: {{ .P.Port }}{{ if eq .P.PortFrom "assumed" }}  # assumed: the Dockerfile exposes no port{{ else }}  # from EXPOSE{{ end }}
{{- if .P.Secrets }}
    secrets: [{{ join .P.Secrets ", " }}]  # its RUN steps mount them; each value comes from BAKE_SECRET_<NAME>
{{- end }}
    checks:
      - name: http
        http:
          path: {{ quote .P.HealthPath }}{{ if eq .P.HealthFrom "assumed" }}  # assumed: no HEALTHCHECK names a URL; set your service's health path{{ else }}  # from HEALTHCHECK{{ end }}
          status: 200
          timeout: 30s

environments:
{{- range $i, $env := .Envs }}
  - name: {{ $env.Name }}
{{- if $env.Protected }}
    protected: true           # promote and rollback ask first (--yes in scripts and CI)
{{- end }}
    targets:
      {{ $.P.Image }}: {replicas: 2, listen: "127.0.0.1:{{ $env.Port }}"}
{{- end }}
`))

type envDoc struct {
	Name      string
	Port      int
	Protected bool
}

// render writes the project's bake.yaml.
func render(p Project, o Options) ([]byte, error) {
	if len(o.Listen) != len(environments) {
		return nil, fmt.Errorf("adopting %s: want %d front-door ports, got %d", p.Dockerfile, len(environments), len(o.Listen))
	}
	if o.Registry == "" {
		return nil, errors.New("adopting " + p.Dockerfile + ": no registry")
	}
	envs := make([]envDoc, len(environments))
	for i, name := range environments {
		envs[i] = envDoc{Name: name, Port: o.Listen[i], Protected: i == len(environments)-1}
	}
	var b bytes.Buffer
	err := configTemplate.Execute(&b, map[string]any{"P": p, "O": o, "Envs": envs})
	return b.Bytes(), err
}
