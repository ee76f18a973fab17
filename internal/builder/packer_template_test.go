package builder

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
)

// exampleTemplate is the Packer template bake ships.
var exampleTemplate = filepath.Join("..", "..", "templates", "packer", "docker-debian")

// packerFixture copies the example template and adds a variable of the
// image's own, and returns a spec for it.
func packerFixture(t *testing.T) Spec {
	t.Helper()
	tmpl, ctxDir := t.TempDir(), t.TempDir()
	src, err := os.ReadFile(filepath.Join(exampleTemplate, "docker.pkr.hcl"))
	require.NoError(t, err)
	write(t, filepath.Join(tmpl, "docker.pkr.hcl"), string(src))
	write(t, filepath.Join(tmpl, "greeting.pkr.hcl"), "variable \"greeting\" {\n  type    = string\n  default = \"hello\"\n}\n")
	write(t, filepath.Join(ctxDir, "motd"), "welcome\n")
	return Spec{
		Project: "p", Registry: "127.0.0.1:5000", Version: "1.0.0", GitCommit: "abc1234",
		BaseRef: "127.0.0.1:5000/p/base@sha256:aa",
		Image:   &config.Image{Name: "web", Template: tmpl, Context: ctxDir, Vars: map[string]string{"greeting": "hi"}},
	}
}

func packerDigest(t *testing.T, s Spec) string {
	t.Helper()
	requirePacker(t)
	job, err := (&Packer{}).Prepare(s)
	require.NoError(t, err)
	return job.InputsDigest()
}

func TestPackerInputsDigestChangesWithEveryInput(t *testing.T) {
	want := packerDigest(t, packerFixture(t))
	changes := map[string]func(s *Spec){
		"nothing, prepared again": nil,
		"a template file": func(s *Spec) {
			write(t, filepath.Join(s.Image.Template, "greeting.pkr.hcl"), "variable \"greeting\" {\n  type = string\n}\n")
		},
		"a new file in the template directory": func(s *Spec) { write(t, filepath.Join(s.Image.Template, "README"), "notes\n") },
		"a context file":                       func(s *Spec) { write(t, filepath.Join(s.Image.Context, "motd"), "changed\n") },
		"an image variable":                    func(s *Spec) { s.Image.Vars["greeting"] = "hey" },
		"the base":                             func(s *Spec) { s.BaseRef = "127.0.0.1:5000/p/base@sha256:bb" },
		"the version":                          func(s *Spec) { s.Version = "1.0.1" },
		"the git commit":                       func(s *Spec) { s.GitCommit = "def5678" },
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			s := packerFixture(t)
			if change == nil {
				assert.Equal(t, want, packerDigest(t, s))
				return
			}
			change(&s)
			assert.NotEqual(t, want, packerDigest(t, s))
		})
	}
}

func TestPackerPrepareRejectsBadTemplates(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string]string
		vars     map[string]string
		noBase   bool
		contains string
	}{
		{name: "no template", files: map[string]string{"Dockerfile": "FROM scratch\n"}, contains: "holds no Packer template"},
		{name: "both kinds", files: map[string]string{"a.pkr.hcl": "", "packer.json": "{}"}, contains: "keep one"},
		{name: "HCL syntax", files: map[string]string{"a.pkr.hcl": "variable \"x\" {\n  type = \n"}, contains: "a.pkr.hcl:2"},
		{name: "JSON syntax", files: map[string]string{"packer.json": "{"}, contains: "packer.json"},
		{name: "an image variable the template does not declare", files: map[string]string{"a.pkr.hcl": ""},
			vars: map[string]string{"colour": "red"}, contains: `sets variable "colour", which`},
		{name: "an image variable bake sets", files: map[string]string{"a.pkr.hcl": "variable \"version\" {}\n"},
			vars: map[string]string{"version": "9"}, contains: `"version", which bake sets itself`},
		{name: "a required variable nobody sets", files: map[string]string{"a.pkr.hcl": "variable \"region\" {\n  type = string\n}\n"},
			contains: `needs variable "region"`},
		{name: "a required base without one", files: map[string]string{"a.pkr.hcl": "variable \"base\" {}\n"}, noBase: true,
			contains: `needs variable "base": give image "web" a base`},
		{name: "a required JSON variable", files: map[string]string{"packer.json": `{"variables": {"region": null}}`},
			contains: `needs variable "region"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := packerFixture(t)
			s.Image.Template, s.Image.Vars = t.TempDir(), tt.vars
			if tt.noBase {
				s.BaseRef = ""
			}
			for name, content := range tt.files {
				write(t, filepath.Join(s.Image.Template, name), content)
			}
			_, err := (&Packer{}).Prepare(s)
			require.ErrorIs(t, err, ErrTemplate)
			assert.Contains(t, err.Error(), tt.contains)
		})
	}
}

func TestPackerVarsPassesOnlyWhatTheTemplateDeclares(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{
			name: "HCL2 variable blocks, a variables block, *.pkr.json and auto vars",
			files: map[string]string{
				"a.pkr.hcl":               "variable \"version\" {\n  type = string\n}\n# variable \"image\" {}\nvariables {\n  base = \"\"\n}\n",
				"b.pkr.json":              `{"variable": {"greeting": {"type": "string"}}}`,
				"region.auto.pkrvars.hcl": "region = \"eu-west-1\"\n",
				"c.pkr.hcl":               "variable \"region\" {\n  type = string\n}\n",
				"ignored.txt":             "variable \"git_commit\" {}\n",
				"sub.pkr.hcl/":            "",
			},
			want: []string{"base=127.0.0.1:5000/p/base@sha256:aa", "greeting=hi", "version=1.0.0"},
		},
		{
			name:  "JSON variables",
			files: map[string]string{"packer.json": `{"variables": {"git_commit": "", "image": "", "greeting": "x"}}`},
			want:  []string{"git_commit=abc1234", "greeting=hi", "image=web"},
		},
		{
			name:  "the example template",
			files: nil,
			want:  []string{"base=127.0.0.1:5000/p/base@sha256:aa", "git_commit=abc1234", "greeting=hi", "image=web", "version=1.0.0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := packerFixture(t)
			if tt.files != nil {
				s.Image.Template = t.TempDir()
			}
			for name, content := range tt.files {
				path := filepath.Join(s.Image.Template, name)
				if name[len(name)-1] == '/' {
					require.NoError(t, os.MkdirAll(path, 0o755))
					continue
				}
				write(t, path, content)
			}
			tmpl, err := readPackerTemplate(s.Image.Template)
			require.NoError(t, err)
			got, err := packerVars(s, tmpl)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestPackerProduct(t *testing.T) {
	tests := []struct {
		fixture  string
		image    string
		amis     map[string]string
		errIs    error
		contains string
	}{
		{fixture: "docker-success.txt", image: "sha256:ca68750afb79536f8b11da73f9b84dfe3748eed6ad96bb196b324873b23287c8"},
		{fixture: "amazon-ebs-multi-region.txt", amis: map[string]string{
			"ap-southeast-2": "ami-0ee55ff66aa77bb88", "eu-west-1": "ami-0aa11bb22cc33dd44", "us-east-1": "ami-0fedcba9876543210"}},
		{fixture: "docker-two-builds-post-processor.txt", errIs: ErrTemplate, contains: `builds "docker.one", "docker.two" made 2 images`},
		{fixture: "docker-export.txt", errIs: ErrTemplate, contains: `build "docker.x" exports a tarball`},
		{fixture: "docker-interrupted.txt", contains: "packer reported no docker image and no AMI (0 artifacts)"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "packer", tt.fixture))
			require.NoError(t, err)
			defer f.Close()
			res, err := ParsePackerOutput(f, nil)
			require.NoError(t, err)
			image, amis, err := packerProduct(res.Artifacts)
			if tt.contains != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.contains)
				if tt.errIs != nil {
					assert.ErrorIs(t, err, tt.errIs)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.image, image)
			assert.Equal(t, tt.amis, amis)
		})
	}
}
