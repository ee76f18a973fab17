package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// minimalFile is the smallest valid bake.yaml; the cases below change one thing in it.
const minimalFile = `project: demo
images:
  hello:
    template: templates/docker/go-service
    port: 8080
    checks:
      - name: healthz
        http: {path: /healthz}
environments:
  - name: dev
    targets:
      hello: {listen: 127.0.0.1:8101}
`

// edit returns minimalFile with old replaced by new, failing when old is absent.
func edit(t *testing.T, old, new string) string {
	t.Helper()
	require.Contains(t, minimalFile, old)
	return strings.Replace(minimalFile, old, new, 1)
}

func TestMinimalFileIsValid(t *testing.T) {
	_, err := Load(writeProject(t, minimalFile))
	require.NoError(t, err)
}

// invalidCase is a bake.yaml that Load must reject, and how.
type invalidCase struct {
	name     string
	content  func(t *testing.T) string
	position string // LINE:COL or LINE of the first problem
	message  string // expected after "FILE:POSITION: "
	problems int    // how many problems are reported; 1 unless set
}

func TestLoadRejectsInvalidFiles(t *testing.T) {
	runInvalid(t, []invalidCase{
		{
			name:     "unknown top-level key with suggestion",
			content:  func(t *testing.T) string { return edit(t, "images:\n", "registy: 127.0.0.1:5000\nimages:\n") },
			position: "2:1",
			message:  `registy: unknown key; did you mean "registry"?`,
		},
		{
			name:     "unknown nested key with suggestion",
			content:  func(t *testing.T) string { return edit(t, "    port: 8080\n", "    port: 8080\n    tempalte: x\n") },
			position: "6:5",
			message:  `images.hello.tempalte: unknown key; did you mean "template"?`,
		},
		{
			name:     "unknown nested key without suggestion",
			content:  func(t *testing.T) string { return edit(t, "    port: 8080\n", "    port: 8080\n    colour: red\n") },
			position: "6:5",
			message:  `images.hello.colour: unknown key; expected one of: template, dockerfile, context, base, port, vars, secrets, sandbox, checks`,
		},
		{
			name:     "prefix suggestion",
			content:  func(t *testing.T) string { return edit(t, "images:\n", "regis: 127.0.0.1:5000\nimages:\n") },
			position: "2:1",
			message:  `regis: unknown key; did you mean "registry"?`,
		},
		{
			name:     "wrong type",
			content:  func(t *testing.T) string { return edit(t, "port: 8080", "port: two") },
			position: "5:11",
			message:  `images.hello.port: expected a number, got "two"`,
		},
		{
			name:     "missing project",
			content:  func(t *testing.T) string { return edit(t, "project: demo\n", "") },
			position: "1:1",
			message:  `project: required`,
		},
		{
			name:     "bad project name",
			content:  func(t *testing.T) string { return edit(t, "project: demo", "project: My_Demo") },
			position: "1:10",
			message:  `project: "My_Demo" must be lowercase letters`,
		},
		{
			name:     "missing template",
			content:  func(t *testing.T) string { return edit(t, "    template: templates/docker/go-service\n", "") },
			position: "3:3",
			message:  `images.hello: set template (a template directory) or dockerfile (a Dockerfile built as it is)`,
		},
		{
			name:     "template directory missing",
			content:  func(t *testing.T) string { return edit(t, "templates/docker/go-service", "templates/docker/nope") },
			position: "4:15",
			message:  `images.hello.template: template directory `,
		},
		{
			name: "default context directory missing",
			content: func(t *testing.T) string {
				return edit(t, "  hello:\n", "  other:\n    template: templates/base/debian\n  hello:\n")
			},
			position: "3:3",
			message:  `images.other.context: default build context directory `,
		},
		{
			name:     "duplicate image",
			content:  func(t *testing.T) string { return edit(t, "environments:", "  hello:\n    template: x\nenvironments:") },
			position: "9:3",
			message:  `images.hello: duplicate key; first defined at line 3`,
		},
		{
			name: "vars value is a list",
			content: func(t *testing.T) string {
				return edit(t, "    port: 8080\n", "    port: 8080\n    vars: {tags: [a, b]}\n")
			},
			position: "6:18",
			message:  `images.hello.vars.tags: expected a string, number or boolean, got a list`,
		},
		{
			name:     "duplicate environment name",
			content:  func(t *testing.T) string { return minimalFile + "  - name: dev\n" },
			position: "13:11",
			message:  `environments[1].name: duplicate environment "dev"; first defined at line 10`,
		},
		{
			name:     "environment without a name",
			content:  func(t *testing.T) string { return minimalFile + "  - targets: {}\n" },
			position: "13:5",
			message:  `environments[1].name: required`,
		},
		{
			name:     "target naming an unknown image",
			content:  func(t *testing.T) string { return edit(t, "      hello: {listen", "      helo: {listen") },
			position: "12:7",
			message:  `environments[0].targets.helo: unknown image "helo"; did you mean "hello"?`,
		},
		{
			name:     "listen not loopback",
			content:  func(t *testing.T) string { return edit(t, "127.0.0.1:8101", "0.0.0.0:8101") },
			position: "12:23",
			message:  `environments[0].targets.hello.listen: "0.0.0.0:8101" is not a loopback address`,
		},
		{
			name:     "listen missing",
			content:  func(t *testing.T) string { return edit(t, "{listen: 127.0.0.1:8101}", "{replicas: 2}") },
			position: "12:7",
			message:  `environments[0].targets.hello.listen: required`,
		},
		{
			name: "duplicate listen",
			content: func(t *testing.T) string {
				return minimalFile + "  - name: qa\n    targets:\n      hello: {listen: 'localhost:8101'}\n"
			},
			position: "15:23",
			message:  `environments[1].targets.hello.listen: "localhost:8101" is already used by environments[0].targets.hello.listen at line 12`,
		},
		{
			name:     "listen on the front door admin address",
			content:  func(t *testing.T) string { return edit(t, "127.0.0.1:8101", "127.0.0.1:2019") },
			position: "12:23",
			message:  `environments[0].targets.hello.listen: "127.0.0.1:2019" is already used by frontdoor.admin (default 127.0.0.1:2019)`,
		},
		{
			name:     "listen on the registry address",
			content:  func(t *testing.T) string { return edit(t, "127.0.0.1:8101", "127.0.0.1:5000") },
			position: "12:23",
			message:  `environments[0].targets.hello.listen: "127.0.0.1:5000" is already used by registry (default 127.0.0.1:5000)`,
		},
		{
			name: "replicas out of range",
			content: func(t *testing.T) string {
				return edit(t, "{listen: 127.0.0.1:8101}", "{listen: 127.0.0.1:8101, replicas: 21}")
			},
			position: "12:49",
			message:  `environments[0].targets.hello.replicas: must be between 1 and 20, got 21`,
		},
		{
			name: "unknown target type",
			content: func(t *testing.T) string {
				return edit(t, "{listen: 127.0.0.1:8101}", "{listen: 127.0.0.1:8101, type: lambda}")
			},
			position: "12:45",
			message:  `environments[0].targets.hello.type: unknown target type "lambda"; expected one of: docker, asg, kubernetes, ecs`,
		},
		{
			name:     "targeted image without an http check",
			content:  func(t *testing.T) string { return edit(t, "http: {path: /healthz}", "command: {argv: [/hello]}") },
			position: "12:7",
			message:  `environments[0].targets.hello: hello has no http check; add one under images.hello.checks so deployments can wait for health`,
		},
		{
			name: "check with both http and command",
			content: func(t *testing.T) string {
				return edit(t, "        http: {path: /healthz}\n", "        http: {path: /healthz}\n        command: {argv: [/hello]}\n")
			},
			position: "9:9",
			message:  `images.hello.checks[0]: set one of http, tcp, command or user, not http and command`,
		},
		{
			name:     "check with neither http nor command",
			content:  func(t *testing.T) string { return edit(t, "        http: {path: /healthz}\n", "") },
			position: "7:9",
			message:  `images.hello.checks[0]: set one of http, tcp, command or user`,
		},
		{
			name: "duplicate check name",
			content: func(t *testing.T) string {
				return edit(t, "environments:", "      - name: healthz\n        http: {}\nenvironments:")
			},
			position: "9:15",
			message:  `images.hello.checks[1].name: duplicate check name "healthz"; first used at line 7`,
		},
		{
			name: "bad regexp in body",
			content: func(t *testing.T) string {
				return edit(t, "{path: /healthz}", "{path: /healthz, body: '({{ .Version }}'}")
			},
			position: "8:38",
			message:  "images.hello.checks[0].http.body: invalid regular expression: missing closing ): `(x`",
		},
		{
			name:     "bad template in body",
			content:  func(t *testing.T) string { return edit(t, "{path: /healthz}", "{path: /healthz, body: '{{ .Version'}") },
			position: "8:38",
			message:  `images.hello.checks[0].http.body: invalid template: unclosed action`,
		},
		{
			name:     "path without leading slash",
			content:  func(t *testing.T) string { return edit(t, "/healthz", "healthz") },
			position: "8:22",
			message:  `images.hello.checks[0].http.path: must start with "/", got "healthz"`,
		},
		{
			name:     "bad duration",
			content:  func(t *testing.T) string { return edit(t, "{path: /healthz}", "{path: /healthz, timeout: 30 seconds}") },
			position: "8:41",
			message:  `images.hello.checks[0].http.timeout: expected a duration such as "30s", got "30 seconds"`,
		},
		{
			name: "duration without a unit",
			content: func(t *testing.T) string {
				return edit(t, "{listen: 127.0.0.1:8101}", "{listen: 127.0.0.1:8101, health_timeout: 60}")
			},
			position: "12:55",
			message:  `environments[0].targets.hello.health_timeout: expected a duration such as "30s", got 60`,
		},
		{
			name:     "bad status",
			content:  func(t *testing.T) string { return edit(t, "{path: /healthz}", "{path: /healthz, status: 999}") },
			position: "8:40",
			message:  `images.hello.checks[0].http.status: must be between 100 and 599, got 999`,
		},
		{
			name: "http check port needed",
			content: func(t *testing.T) string {
				return edit(t, "  hello:\n", "  a:\n    template: templates/base/debian\n    checks: [{name: up, http: {}}]\n  hello:\n")
			},
			position: "5:25",
			message:  `images.a.checks[0].http.port: required because images.a has no port`,
		},
		{
			name: "argv given as a string",
			content: func(t *testing.T) string {
				return edit(t, "environments:", "      - name: version\n        command: {argv: /hello}\nenvironments:")
			},
			position: "10:25",
			message:  `images.hello.checks[1].command.argv: expected a list of strings, got "/hello"`,
		},
		{
			name:     "malformed YAML",
			content:  func(t *testing.T) string { return edit(t, "project: demo\n", "project: demo\n  oops: [\n") },
			position: "2",
			message:  `malformed YAML: mapping values are not allowed in this context`,
		},
		{
			name:     "base naming an unknown image",
			content:  func(t *testing.T) string { return edit(t, "    port: 8080\n", "    port: 8080\n    base: debain\n") },
			position: "6:11",
			message:  `images.hello.base: unknown image "debain"`,
		},
		{
			name:     "base naming itself",
			content:  func(t *testing.T) string { return edit(t, "    port: 8080\n", "    port: 8080\n    base: hello\n") },
			position: "6:11",
			message:  `images.hello.base: an image cannot be its own base`,
		},
		{
			name: "base cycle",
			content: func(t *testing.T) string {
				return edit(t, "  hello:\n", "  a:\n    template: templates/base/debian\n    base: b\n  b:\n    template: templates/base/debian\n    base: a\n  hello:\n")
			},
			position: "5:11",
			message:  `images.a.base: base images form a cycle: a -> b -> a`,
		},
		{
			name: "frontdoor admin not loopback",
			content: func(t *testing.T) string {
				return edit(t, "images:\n", "frontdoor:\n  admin: 192.168.1.1:2019\nimages:\n")
			},
			position: "3:10",
			message:  `frontdoor.admin: "192.168.1.1:2019" is not a loopback address`,
		},
		{
			name:     "empty file",
			content:  func(t *testing.T) string { return "# nothing yet\n" },
			position: "",
			message:  `file is empty`,
		},
	})
}

// runInvalid loads each case and checks the first problem's place and text.
func runInvalid(t *testing.T, tests []invalidCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeProject(t, tt.content(t))

			_, err := Load(path)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalid)

			prefix := path + ": "
			if tt.position != "" {
				prefix = path + ":" + tt.position + ": "
			}
			lines := strings.Split(err.Error(), "\n")
			assert.True(t, strings.HasPrefix(lines[0], prefix+tt.message), "got:\n%s\nwant prefix:\n%s", err, prefix+tt.message)
			assert.NotContains(t, lines[0], "\n")

			want := tt.problems
			if want == 0 {
				want = 1
			}
			assert.Len(t, lines, want, "got:\n%s", err)
			var e *Error
			assert.True(t, errors.As(err, &e))
		})
	}
}
