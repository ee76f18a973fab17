package cst

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func intp(i int) *int { return &i }

func TestParseGoodFiles(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want Suite
	}{
		{
			name: "command tests as the upstream README writes them",
			yaml: `schemaVersion: '2.0.0'
globalEnvVars:
  - key: "VIRTUAL_ENV"
    value: "/env"
commandTests:
  - name:  "apt-get upgrade"
    command: "apt-get"
    args: ["-qqs", "upgrade"]
    excludedOutput: [".*Inst.*Security.* | .*Security.*Inst.*"]
    excludedError: [".*Inst.*Security.* | .*Security.*Inst.*"]
  - name: "say hello world"
    command: "bash"
    envVars:
      - key: GREETING
        value: hello
    args:
      - -c
      - |
         echo $GREETING &&
         echo world
    expectedOutput: ['^hello\nworld$']
    expectedError: []
    exitCode: 0
`,
			want: Suite{
				GlobalEnvVars: []EnvVar{{Key: "VIRTUAL_ENV", Value: "/env"}},
				CommandTests: []CommandTest{
					{
						Name: "apt-get upgrade", Command: "apt-get", Args: []string{"-qqs", "upgrade"},
						ExcludedOutput: []string{".*Inst.*Security.* | .*Security.*Inst.*"},
						ExcludedError:  []string{".*Inst.*Security.* | .*Security.*Inst.*"},
					},
					{
						Name: "say hello world", Command: "bash", Args: []string{"-c", "echo $GREETING &&\necho world\n"},
						EnvVars:        []EnvVar{{Key: "GREETING", Value: "hello"}},
						ExpectedOutput: []string{`^hello\nworld$`}, ExpectedError: []string{},
					},
				},
			},
		},
		{
			name: "file tests with defaults and templates",
			yaml: `schemaVersion: 2.0.0
fileExistenceTests:
- name: 'Root'
  path: '/'
  shouldExist: true
  permissions: 'drwxr-xr-x'
  uid: 0
  gid: 0
- name: 'svc {{ .Version }}'
  path: '/svc'
  isExecutableBy: 'any'
- name: 'Dummy File'
  path: '/etc/dummy'
  shouldExist: false
fileContentTests:
- name: 'Passwd file'
  path: '/etc/passwd'
  expectedContents: ['root:x:0:0:root:/root:/bin/bash']
  excludedContents: ['{{ .Vars.user }}']
`,
			want: Suite{
				FileExistenceTests: []FileExistenceTest{
					{Name: "Root", Path: "/", ShouldExist: true, Permissions: "drwxr-xr-x", UID: intp(0), GID: intp(0)},
					{Name: "svc {{ .Version }}", Path: "/svc", ShouldExist: true, IsExecutableBy: "any"},
					{Name: "Dummy File", Path: "/etc/dummy"},
				},
				FileContentTests: []FileContentTest{{
					Name: "Passwd file", Path: "/etc/passwd",
					ExpectedContents: []string{"root:x:0:0:root:/root:/bin/bash"}, ExcludedContents: []string{"{{ .Vars.user }}"},
				}},
			},
		},
		{
			name: "metadata test as the upstream README writes it",
			yaml: `schemaVersion: "2.0.0"
metadataTest:
  envVars:
    - key: foo
      value: baz
    - key: REGEX_VAR
      value: '[a-z]+-2\.1\.*'
      isRegex: true
  unboundEnvVars:
    - key: BAR_FOO
  labels:
    - key: 'com.example.vendor'
      value: 'ACME Incorporated'
    - key: 'build-date'
      value: '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$'
      isRegex: true
  exposedPorts: ["8080", 2345, "53/udp"]
  unexposedPorts: ['80']
  volumes: ["/test"]
  unmountedVolumes: ['/root']
  entrypoint: []
  cmd: ["/bin/bash"]
  workdir: "/app"
  user: "luke"
`,
			want: Suite{MetadataTest: &MetadataTest{
				EnvVars:        []EnvVar{{Key: "foo", Value: "baz"}, {Key: "REGEX_VAR", Value: `[a-z]+-2\.1\.*`, IsRegex: true}},
				UnboundEnvVars: []string{"BAR_FOO"},
				Labels: []Label{
					{Key: "com.example.vendor", Value: "ACME Incorporated"},
					{Key: "build-date", Value: `^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$`, IsRegex: true},
				},
				ExposedPorts: []string{"8080", "2345", "53/udp"}, UnexposedPorts: []string{"80"},
				Volumes: []string{"/test"}, UnmountedVolumes: []string{"/root"},
				Entrypoint: []string{}, Cmd: []string{"/bin/bash"}, Workdir: "/app", User: "luke",
			}},
		},
		{
			name: "json, as container-structure-test also reads",
			yaml: `{"schemaVersion": "2.0.0", "commandTests": [{"name": "v", "command": "/svc", "args": ["-version"], "exitCode": 3}]}`,
			want: Suite{CommandTests: []CommandTest{{Name: "v", Command: "/svc", Args: []string{"-version"}, ExitCode: 3}}},
		},
		{
			name: "anchors and merge keys",
			yaml: `schemaVersion: "2.0.0"
fileExistenceTests:
  - &bin {name: svc, path: /svc, uid: 0}
  - <<: *bin
    name: sh
    path: /bin/sh
    shouldExist: false
`,
			want: Suite{FileExistenceTests: []FileExistenceTest{
				{Name: "svc", Path: "/svc", ShouldExist: true, UID: intp(0)},
				{Name: "sh", Path: "/bin/sh", UID: intp(0)},
			}},
		},
		{
			name: "only a schema version",
			yaml: "schemaVersion: 2.0.0\n",
			want: Suite{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse("checks.yaml", []byte(tt.yaml))
			require.NoError(t, err)
			tt.want.File = "checks.yaml"
			assert.Equal(t, &tt.want, got)
		})
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checks.yaml")
	require.NoError(t, os.WriteFile(path, []byte("schemaVersion: 2.0.0\ncommandTests: [{name: v, command: /svc}]\n"), 0o644))
	s, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, path, s.File)
	assert.Len(t, s.CommandTests, 1)

	_, err = Load(filepath.Join(t.TempDir(), "absent.yaml"))
	require.ErrorIs(t, err, ErrInvalid)
	require.ErrorIs(t, err, os.ErrNotExist)
}

// A checks.yaml that is a link out of the build context is refused before
// it is read: its text would otherwise show in the errors bake prints.
func TestLoadRefusesLinkOutOfTheContext(t *testing.T) {
	ctxDir, outside := t.TempDir(), t.TempDir()
	secret := filepath.Join(outside, "credentials")
	require.NoError(t, os.WriteFile(secret, []byte("aws_secret_access_key = hostsecret\n"), 0o600))
	path := filepath.Join(ctxDir, FileName)
	require.NoError(t, os.Symlink(secret, path))
	_, err := Load(path)
	require.ErrorIs(t, err, ErrInvalid)
	assert.NotContains(t, err.Error(), "hostsecret")
	assert.Contains(t, err.Error(), path+": leads out of its directory through a symbolic link")

	require.NoError(t, os.Remove(path))
	require.NoError(t, os.WriteFile(filepath.Join(ctxDir, "tests.yaml"), []byte("schemaVersion: 2.0.0\n"), 0o644))
	require.NoError(t, os.Symlink("tests.yaml", path))
	_, err = Load(path)
	require.NoError(t, err, "a link inside the context is fine")
}
