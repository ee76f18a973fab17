package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A pull request's bake.yaml must not point a build at files outside the
// project (~/.aws, the signing key) and COPY them into a pushed image.
func TestBuildInputsStayInsideTheProject(t *testing.T) {
	secrets := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(secrets, "credentials"), []byte("aws_secret_access_key=x\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(secrets, "Dockerfile"), []byte("FROM scratch\n"), 0o644))

	tests := []struct {
		name     string
		old, new string
		links    map[string]string // link in the project -> target
		position string
		message  string
	}{
		{
			name: "context climbing out", old: "    port: 8080\n", new: "    context: ../..\n    port: 8080\n",
			position: "5:14", message: `images.hello.context: "../.." leaves the project directory DIR: keep build inputs inside it`,
		},
		{
			name: "absolute context", old: "    port: 8080\n", new: "    context: SECRETS\n    port: 8080\n",
			position: "5:14", message: `images.hello.context: "SECRETS" is an absolute path, which may leave the project directory DIR: name build inputs relative to bake.yaml, inside it`,
		},
		{
			name: "context through a symbolic link", old: "    port: 8080\n", new: "    context: src/aws\n    port: 8080\n",
			links:    map[string]string{"src/aws": "SECRETS"},
			position: "5:14", message: `images.hello.context: "src/aws" leads to SECRETS through a symbolic link, outside the project directory DIR: keep build inputs inside it`,
		},
		{
			name: "default context through a symbolic link", old: "images:\n  hello:\n", new: "images:\n  hello:\n",
			links:    map[string]string{"images/hello": "SECRETS"},
			position: "3:3", message: `images.hello.context: "images/hello" leads to SECRETS through a symbolic link`,
		},
		{
			name: "template climbing out", old: "template: templates/docker/go-service", new: "template: templates/../../x",
			position: "4:15", message: `images.hello.template: "templates/../../x" leaves the project directory DIR`,
		},
		{
			name: "template through a symbolic link", old: "template: templates/docker/go-service", new: "template: t",
			links:    map[string]string{"t": "SECRETS"},
			position: "4:15", message: `images.hello.template: "t" leads to SECRETS through a symbolic link`,
		},
		{
			name: "Dockerfile through a symbolic link", old: "template: templates/docker/go-service", new: "dockerfile: Dockerfile",
			links:    map[string]string{"Dockerfile": "SECRETS/Dockerfile"},
			position: "4:17", message: `images.hello.dockerfile: "Dockerfile" leads to SECRETS/Dockerfile through a symbolic link`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeProject(t, strings.ReplaceAll(edit(t, tt.old, tt.new), "SECRETS", secrets))
			dir := filepath.Dir(path)
			for link, target := range tt.links {
				require.NoError(t, os.RemoveAll(filepath.Join(dir, link)))
				require.NoError(t, os.Symlink(strings.ReplaceAll(target, "SECRETS", secrets), filepath.Join(dir, link)))
			}
			_, err := Load(path)
			require.ErrorIs(t, err, ErrInvalid)
			want := path + ":" + tt.position + ": " + strings.NewReplacer("SECRETS", secrets, "DIR", dir).Replace(tt.message)
			assert.True(t, strings.HasPrefix(err.Error(), want), "got:\n%s\nwant prefix:\n%s", err, want)
		})
	}
}

// A symbolic link that stays inside the project is an ordinary layout.
func TestBuildInputsMayLinkInsideTheProject(t *testing.T) {
	path := writeProject(t, edit(t, "    port: 8080\n", "    context: ctx\n    port: 8080\n"))
	require.NoError(t, os.Symlink("src/hello", filepath.Join(filepath.Dir(path), "ctx")))
	_, err := Load(path)
	require.NoError(t, err)
}
