package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// plainFile is a bake.yaml whose image is a Dockerfile built as it is; the
// cases below change one thing in it.
const plainFile = `project: shop
images:
  api:
    dockerfile: Dockerfile
    port: 8080
    checks:
      - name: root
        http: {path: /}
environments:
  - name: dev
    targets:
      api: {listen: 127.0.0.1:8101}
`

// plainDockerfile declares what the valid cases need.
const plainDockerfile = "ARG BAKE_BASE=scratch\nFROM ${BAKE_BASE}\nARG BAKE_VERSION colour\nCOPY api /api\nEXPOSE 8080\n"

// writePlain writes bake.yaml and files (path -> content) into a new
// temporary directory and returns the path of bake.yaml.
func writePlain(t *testing.T, config string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	}
	path := filepath.Join(dir, "bake.yaml")
	require.NoError(t, os.WriteFile(path, []byte(config), 0o644))
	return path
}

func TestPlainDockerfileImages(t *testing.T) {
	tests := []struct {
		name                string
		edit                func(string) string
		files               map[string]string
		dockerfile, context string // relative to the project
		template            string
		vars                map[string]string
	}{
		{name: "the context is the Dockerfile's directory", dockerfile: "Dockerfile", context: "."},
		{name: "a Dockerfile in a directory of its own",
			edit: func(s string) string {
				return strings.Replace(s, "dockerfile: Dockerfile", "dockerfile: services/api/Dockerfile", 1)
			},
			files:      map[string]string{"services/api/Dockerfile": plainDockerfile},
			dockerfile: "services/api/Dockerfile", context: "services/api"},
		{name: "a context of its own",
			edit: func(s string) string {
				return strings.Replace(s, "dockerfile: Dockerfile", "dockerfile: Dockerfile\n    context: src", 1)
			},
			files:      map[string]string{"src/main.go": "package main\n"},
			dockerfile: "Dockerfile", context: "src"},
		{name: "vars and base on the Dockerfile image",
			edit: func(s string) string {
				s = strings.Replace(s, "images:\n", "images:\n  base:\n    template: tmpl\n", 1)
				return strings.Replace(s, "dockerfile: Dockerfile", "dockerfile: Dockerfile\n    base: base\n    vars: {colour: blue}", 1)
			},
			files:      map[string]string{"tmpl/Dockerfile.tmpl": "FROM scratch\n", "images/base/.keep": ""},
			dockerfile: "Dockerfile", context: ".", vars: map[string]string{"colour": "blue"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			config := plainFile
			if tt.edit != nil {
				config = tt.edit(config)
			}
			files := map[string]string{"Dockerfile": plainDockerfile}
			for k, v := range tt.files {
				files[k] = v
			}
			path := writePlain(t, config, files)
			dir := filepath.Dir(path)
			p, err := Load(path)
			require.NoError(t, err)
			img := p.Image("api")
			require.NotNil(t, img)
			assert.Equal(t, filepath.Join(dir, tt.dockerfile), img.Dockerfile)
			assert.Equal(t, img.Dockerfile, img.Recipe())
			assert.Empty(t, img.Template)
			assert.Equal(t, filepath.Join(dir, tt.context), img.Context)
			if tt.vars != nil {
				assert.Equal(t, tt.vars, img.Vars)
			}
		})
	}
}

func TestPlainDockerfileImagesRejected(t *testing.T) {
	tests := []struct {
		name       string
		edit       func(string) string
		dockerfile string // "" for none
		position   string
		message    string
	}{
		{name: "both a template and a Dockerfile",
			edit: func(s string) string {
				return strings.Replace(s, "dockerfile: Dockerfile", "template: tmpl\n    dockerfile: Dockerfile", 1)
			},
			position: "5:5", message: "images.api.dockerfile: set template or dockerfile, not both"},
		{name: "neither",
			edit:     func(s string) string { return strings.Replace(s, "    dockerfile: Dockerfile\n", "", 1) },
			position: "3:3", message: "images.api: set template (a template directory) or dockerfile (a Dockerfile built as it is)"},
		{name: "a misspelt dockerfile is reported once",
			edit: func(s string) string {
				return strings.Replace(s, "dockerfile: Dockerfile", "dockerfiel: Dockerfile", 1)
			},
			position: "4:5", message: `images.api.dockerfiel: unknown key; did you mean "dockerfile"?`},
		{name: "no such Dockerfile", dockerfile: "",
			position: "4:17", message: "images.api.dockerfile: Dockerfile "},
		{name: "a directory",
			edit:     func(s string) string { return strings.Replace(s, "dockerfile: Dockerfile", "dockerfile: tmpl", 1) },
			position: "4:17", message: "images.api.dockerfile: "},
		{name: "a Dockerfile that does not parse", dockerfile: "FROM scratch\nRUN <<EOF\necho\n",
			position: "4:17", message: "images.api.dockerfile: "},
		{name: "a base it cannot build FROM", dockerfile: "FROM scratch\n",
			edit: func(s string) string {
				s = strings.Replace(s, "images:\n", "images:\n  base:\n    template: tmpl\n", 1)
				return strings.Replace(s, "dockerfile: Dockerfile", "dockerfile: Dockerfile\n    base: base", 1)
			},
			position: "7:11", message: "images.api.base: "},
		{name: "a var it does not declare", dockerfile: "FROM scratch\nARG colour\n",
			edit: func(s string) string {
				return strings.Replace(s, "dockerfile: Dockerfile", "dockerfile: Dockerfile\n    vars: {size: big}", 1)
			},
			position: "5:12", message: "images.api.vars.size: "},
		{name: "a var bake sets itself", dockerfile: "FROM scratch\nARG BAKE_VERSION\n",
			edit: func(s string) string {
				return strings.Replace(s, "dockerfile: Dockerfile", "dockerfile: Dockerfile\n    vars: {BAKE_VERSION: '1'}", 1)
			},
			position: "5:12", message: "images.api.vars.BAKE_VERSION: BAKE_VERSION is a build argument bake sets itself"},
		{name: "FROM a base it is not given", dockerfile: "ARG BAKE_BASE\nFROM ${BAKE_BASE}\n",
			position: "4:17", message: "images.api.dockerfile: "},
		{name: "a secret it mounts and the image does not declare",
			dockerfile: "FROM scratch\nRUN --mount=type=secret,id=npm_token true\n",
			position:   "4:17", message: "images.api.secrets: "},
		{name: "a secret it mounts under a name bake cannot offer",
			dockerfile: "FROM scratch\nRUN --mount=type=secret,id=npm_token true\nRUN --mount=type=secret,id=NPM-TOKEN true\n",
			edit: func(s string) string {
				return strings.Replace(s, "dockerfile: Dockerfile", "dockerfile: Dockerfile\n    secrets: [npm_token]", 1)
			},
			position: "5:14", message: "images.api.secrets: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			config := plainFile
			if tt.edit != nil {
				config = tt.edit(config)
			}
			files := map[string]string{"tmpl/Dockerfile.tmpl": "FROM scratch\n", "images/base/.keep": ""}
			if tt.dockerfile != "" || !strings.HasPrefix(tt.name, "no such") {
				files["Dockerfile"] = tt.dockerfile
				if tt.dockerfile == "" {
					files["Dockerfile"] = plainDockerfile
				}
			}
			path := writePlain(t, config, files)
			_, err := Load(path)
			require.ErrorIs(t, err, ErrInvalid)
			first := strings.Split(err.Error(), "\n")[0]
			assert.True(t, strings.HasPrefix(first, path+":"+tt.position+": "+tt.message), "got:\n%s\nwant prefix:\n%s", err, path+":"+tt.position+": "+tt.message)
		})
	}
}
