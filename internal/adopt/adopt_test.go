package adopt

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

// TestPlan checks what Plan makes of a Dockerfile, and that the bake.yaml
// it writes loads.
func TestPlan(t *testing.T) {
	tests := []struct {
		name      string
		path, src string   // path relative to the project
		files     []string // other files of the project
		want      Project
	}{
		{name: "exposes a port, declares an argument", path: "Dockerfile",
			src:  "FROM scratch\nARG BAKE_GIT_COMMIT\nEXPOSE 3000 9090\n",
			want: Project{Dockerfile: "Dockerfile", Context: ".", Port: 3000, PortFrom: "EXPOSE", HealthPath: "/", HealthFrom: "assumed", Args: []string{"BAKE_GIT_COMMIT"}, Secrets: []string{}}},
		{name: "nothing to go on", path: "Dockerfile", src: "FROM scratch\n",
			want: Project{Dockerfile: "Dockerfile", Context: ".", Port: DefaultPort, PortFrom: "assumed", HealthPath: "/", HealthFrom: "assumed", Args: []string{}, Secrets: []string{}}},
		{name: "a HEALTHCHECK, in a directory of its own", path: "services/api/Dockerfile",
			src:  "FROM scratch\nEXPOSE 8000\nHEALTHCHECK CMD wget -qO- http://localhost:8000/status?full=1\n",
			want: Project{Dockerfile: "services/api/Dockerfile", Context: "services/api", Port: 8000, PortFrom: "EXPOSE", HealthPath: "/status?full=1", HealthFrom: "HEALTHCHECK", Args: []string{}, Secrets: []string{}}},
		{name: "in a directory of its own, copying from the project's", path: "build/Dockerfile",
			src: "FROM scratch\nCOPY bin/svc /svc\n", files: []string{"bin/svc"},
			want: Project{Dockerfile: "build/Dockerfile", Context: ".", Port: DefaultPort, PortFrom: "assumed", HealthPath: "/", HealthFrom: "assumed",
				Args: []string{}, Secrets: []string{}}},
		{name: "in a directory of its own, copying from there", path: "build/Dockerfile",
			src: "FROM scratch\nCOPY svc /svc\n", files: []string{"build/svc", "svc"},
			want: Project{Dockerfile: "build/Dockerfile", Context: "build", Port: DefaultPort, PortFrom: "assumed", HealthPath: "/", HealthFrom: "assumed",
				Args: []string{}, Secrets: []string{}}},
		{name: "RUN steps mount secrets", path: "Dockerfile",
			src: "FROM scratch\nRUN --mount=type=secret,id=npm_token,required=true npm ci\nRUN --mount=type=secret,target=/run/secrets/licence true\n",
			want: Project{Dockerfile: "Dockerfile", Context: ".", Port: DefaultPort, PortFrom: "assumed", HealthPath: "/", HealthFrom: "assumed",
				Args: []string{}, Secrets: []string{"npm_token", "licence"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tt.files {
				write(t, filepath.Join(dir, f), "")
			}
			write(t, filepath.Join(dir, tt.path), tt.src)
			p, err := Plan(Options{Dir: dir, Dockerfile: filepath.Join(dir, tt.path), Project: "shop", Registry: "127.0.0.1:5000", Listen: []int{18001, 18002, 18003}})
			require.NoError(t, err)
			tt.want.Image, tt.want.Config = "shop", p.Config
			assert.Equal(t, tt.want, p)

			write(t, filepath.Join(dir, config.FileName), string(p.Config))
			loaded, err := config.Load(filepath.Join(dir, config.FileName))
			require.NoError(t, err, "%s", p.Config)
			img := loaded.Image("shop")
			require.NotNil(t, img)
			assert.Equal(t, filepath.Join(dir, tt.path), img.Dockerfile)
			assert.Equal(t, tt.want.Port, img.Port)
			require.NotNil(t, img.HealthCheck())
			assert.Equal(t, tt.want.HealthPath, img.HealthCheck().HTTP.Path)
			assert.Equal(t, tt.want.Secrets, append([]string{}, img.Secrets...))
			require.Len(t, loaded.Environments, 3)
			assert.True(t, loaded.Environments[2].Protected)
		})
	}
}

func TestPlanRejects(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "Dockerfile"), "FROM scratch\nRUN <<EOF\n")
	write(t, filepath.Join(dir, "Dockerfile.base"), "ARG BAKE_BASE\nFROM ${BAKE_BASE}\n")
	write(t, filepath.Join(dir, "Dockerfile.secret"), "FROM scratch\nRUN --mount=type=secret,id=NPM-TOKEN true\n")
	for name, path := range map[string]string{"missing": "nope/Dockerfile", "a directory": dir, "does not parse": filepath.Join(dir, "Dockerfile"),
		"a secret bake cannot offer": filepath.Join(dir, "Dockerfile.secret"), "FROM a base it is not given": filepath.Join(dir, "Dockerfile.base")} {
		t.Run(name, func(t *testing.T) {
			_, err := Plan(Options{Dir: dir, Dockerfile: path, Project: "shop", Registry: "127.0.0.1:5000", Listen: []int{1, 2, 3}})
			assert.ErrorIs(t, err, ErrInvalid)
		})
	}
}

// bake.yaml names build inputs inside the project only, so a Dockerfile
// elsewhere is refused rather than written into a bake.yaml that would not load.
func TestPlanRefusesDockerfileOutsideTheProject(t *testing.T) {
	outside, dir := t.TempDir(), t.TempDir()
	write(t, filepath.Join(outside, "Dockerfile"), "FROM scratch\n")
	_, err := Plan(Options{Dir: dir, Dockerfile: filepath.Join(outside, "Dockerfile"), Project: "shop", Registry: "127.0.0.1:5000", Listen: []int{1, 2, 3}})
	assert.ErrorIs(t, err, ErrInvalid)
	assert.ErrorContains(t, err, filepath.Join(outside, "Dockerfile")+" is outside the project directory "+dir+", and bake builds only what is inside it")
}

func TestIgnoreState(t *testing.T) {
	tests := []struct {
		name, before, after string
		context             string
		changed             bool
	}{
		{name: "none yet", context: ".",
			after:   "# bake's state, git's files, bake.yaml and its schema are no inputs of the image\n.bake/\n.git/\nbake.yaml\nbake.schema.json\n",
			changed: true},
		{name: "some there, no final newline", context: ".", before: "node_modules\n/.git",
			after:   "node_modules\n/.git\n# bake's state, git's files, bake.yaml and its schema are no inputs of the image\n.bake/\nbake.yaml\nbake.schema.json\n",
			changed: true},
		{name: "an older bake's, without the schema", context: ".", before: ".bake\n.git/\nbake.yaml\n",
			after:   ".bake\n.git/\nbake.yaml\n# bake's state, git's files, bake.yaml and its schema are no inputs of the image\nbake.schema.json\n",
			changed: true},
		{name: "all there", context: ".", before: ".bake\n.git/\nbake.yaml\nbake.schema.json\n", after: ".bake\n.git/\nbake.yaml\nbake.schema.json\n"},
		{name: "a context elsewhere", context: "services/api", before: "x\n", after: "x\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, ".dockerignore")
			if tt.before != "" {
				write(t, path, tt.before)
			}
			changed, err := IgnoreState(dir, Project{Context: tt.context})
			require.NoError(t, err)
			assert.Equal(t, tt.changed, changed)
			got, _ := os.ReadFile(path)
			assert.Equal(t, tt.after, string(got))
		})
	}
}

// A Dockerfile named through a symbolic link that leads out of the project is
// refused as the outside file itself is, not written into a bake.yaml that
// would not load.
func TestPlanRefusesDockerfileLinkedFromOutside(t *testing.T) {
	outside, dir := t.TempDir(), t.TempDir()
	write(t, filepath.Join(outside, "Dockerfile"), "FROM scratch\n")
	require.NoError(t, os.Symlink(filepath.Join(outside, "Dockerfile"), filepath.Join(dir, "Dockerfile")))
	_, err := Plan(Options{Dir: dir, Dockerfile: filepath.Join(dir, "Dockerfile"), Project: "shop", Registry: "127.0.0.1:5000", Listen: []int{1, 2, 3}})
	assert.ErrorIs(t, err, ErrInvalid)
	assert.ErrorContains(t, err, "through a symbolic link, outside the project directory")
}
