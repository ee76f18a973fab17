package cst

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRejectsBadFiles(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string // the whole error
	}{
		{
			name: "another schema version",
			yaml: "schemaVersion: '1.0.0'\n",
			want: `checks.yaml:1:16: schemaVersion: unsupported version "1.0.0"; bake reads schema version 2.0.0`,
		},
		{
			name: "no schema version",
			yaml: "commandTests: []\n",
			want: `checks.yaml:1:1: schemaVersion: required; set it to "2.0.0"`,
		},
		{
			name: "empty file",
			yaml: "",
			want: `checks.yaml: schemaVersion: required; the file is empty`,
		},
		{
			name: "misspelt top-level key",
			yaml: "schemaVersion: 2.0.0\ncommandTest:\n  - name: v\n",
			want: `checks.yaml:2:1: commandTest: unknown key; did you mean "commandTests"?`,
		},
		{
			name: "misspelt required key in a command test, reported once",
			yaml: "schemaVersion: 2.0.0\ncommandTests:\n  - name: v\n    comand: /svc\n",
			want: `checks.yaml:4:5: commandTests[0].comand: unknown key; did you mean "command"?`,
		},
		{
			name: "key cut short, suggested as in bake.yaml",
			yaml: "schemaVersion: 2.0.0\nfileExistence:\n  - {name: v, path: /svc}\n",
			want: `checks.yaml:2:1: fileExistence: unknown key; did you mean "fileExistenceTests"?`,
		},
		{
			name: "misspelt schema version key, reported once",
			yaml: "schemaVerison: 2.0.0\n",
			want: `checks.yaml:1:1: schemaVerison: unknown key; did you mean "schemaVersion"?`,
		},
		{
			name: "alias to no anchor",
			yaml: "schemaVersion: 2.0.0\nmetadataTest:\n  exposedPorts: *ports\n",
			want: `checks.yaml:3:17: malformed YAML: unknown anchor 'ports' referenced`,
		},
		{
			name: "tab in the indentation",
			yaml: "schemaVersion: 2.0.0\ncommandTests:\n  - name: v\n\t command: /svc\n",
			want: `checks.yaml:4:1: malformed YAML: found a tab character that violates indentation`,
		},
		{
			name: "misspelt key in a command test",
			yaml: "schemaVersion: 2.0.0\ncommandTests:\n  - name: v\n    command: /svc\n    expectedOuput: ['x']\n",
			want: `checks.yaml:5:5: commandTests[0].expectedOuput: unknown key; did you mean "expectedOutput"?`,
		},
		{
			name: "command test without a command",
			yaml: "schemaVersion: 2.0.0\ncommandTests:\n  - name: v\n    args: [-version]\n",
			want: `checks.yaml:3:5: commandTests[0].command: required`,
		},
		{
			name: "exit code is not a number",
			yaml: "schemaVersion: 2.0.0\ncommandTests:\n  - name: v\n    command: /svc\n    exitCode: zero\n",
			want: `checks.yaml:5:15: commandTests[0].exitCode: expected an integer, got "zero"`,
		},
		{
			name: "setup is not supported",
			yaml: "schemaVersion: 2.0.0\ncommandTests:\n  - name: v\n    command: /svc\n    setup: [[\"/svc\", \"-init\"]]\n",
			want: `checks.yaml:5:5: commandTests[0].setup: not supported by bake: each command test runs in a fresh container ` +
				`of the image; put these steps in the image or in the test's command`,
		},
		{
			name: "expected output is not a regular expression",
			yaml: "schemaVersion: 2.0.0\ncommandTests:\n  - name: v\n    command: /svc\n    expectedOutput: ['ok', '(1.2']\n",
			want: "checks.yaml:5:28: commandTests[0].expectedOutput[1]: invalid regular expression: " +
				"error parsing regexp: missing closing ): `(1.2`",
		},
		{
			name: "template that does not parse",
			yaml: "schemaVersion: 2.0.0\ncommandTests:\n  - name: v\n    command: /svc\n    expectedOutput: ['{{ .Version']\n",
			want: `checks.yaml:5:22: commandTests[0].expectedOutput[0]: invalid template: ` +
				`template: commandTests[0].expectedOutput[0]:1: unclosed action`,
		},
		{
			name: "should exist is not a boolean",
			yaml: "schemaVersion: 2.0.0\nfileExistenceTests:\n- name: svc\n  path: /svc\n  shouldExist: yes\n",
			want: `checks.yaml:5:16: fileExistenceTests[0].shouldExist: expected true or false, got "yes"`,
		},
		{
			name: "permissions as chmod numbers",
			yaml: "schemaVersion: 2.0.0\nfileExistenceTests:\n- name: svc\n  path: /svc\n  permissions: '0755'\n",
			want: `checks.yaml:5:16: fileExistenceTests[0].permissions: expected a permission string such as "-rwxr-xr-x" ` +
				`or "drwxr-xr-x", got "0755"`,
		},
		{
			name: "executable by someone unknown",
			yaml: "schemaVersion: 2.0.0\nfileExistenceTests:\n- name: svc\n  path: /svc\n  isExecutableBy: everyone\n",
			want: `checks.yaml:5:19: fileExistenceTests[0].isExecutableBy: expected one of owner, group, other, any, got "everyone"`,
		},
		{
			name: "negative uid",
			yaml: "schemaVersion: 2.0.0\nfileExistenceTests:\n- name: svc\n  path: /svc\n  uid: -1\n",
			want: `checks.yaml:5:8: fileExistenceTests[0].uid: expected an id of 0 or more, got -1`,
		},
		{
			name: "file content test without a path",
			yaml: "schemaVersion: 2.0.0\nfileContentTests:\n  - name: passwd\n    expectedContents: [root]\n",
			want: `checks.yaml:3:5: fileContentTests[0].path: required`,
		},
		{
			name: "tests are a mapping, not a list",
			yaml: "schemaVersion: 2.0.0\nfileContentTests:\n  name: passwd\n",
			want: `checks.yaml:3:3: fileContentTests: expected a list, got a mapping`,
		},
		{
			name: "metadata label without a key",
			yaml: "schemaVersion: 2.0.0\nmetadataTest:\n  labels:\n    - value: '1.2.0'\n",
			want: `checks.yaml:4:7: metadataTest.labels[0].key: required`,
		},
		{
			name: "metadata port is a name",
			yaml: "schemaVersion: 2.0.0\nmetadataTest:\n  exposedPorts: ['8080', http]\n",
			want: `checks.yaml:3:26: metadataTest.exposedPorts[1]: expected a port such as "8080" or "8080/tcp", got "http"`,
		},
		{
			name: "isRegex on a command's env var",
			yaml: "schemaVersion: 2.0.0\ncommandTests:\n  - name: v\n    command: /svc\n    envVars: [{key: A, value: b, isRegex: true}]\n",
			want: `checks.yaml:5:34: commandTests[0].envVars[0].isRegex: unknown key; expected one of: key, value`,
		},
		{
			name: "license tests are not supported",
			yaml: "schemaVersion: 2.0.0\nlicenseTests:\n- debian: true\n",
			want: `checks.yaml:2:1: licenseTests: not supported by bake; remove it from this file`,
		},
		{
			name: "duplicate key",
			yaml: "schemaVersion: 2.0.0\nmetadataTest:\n  workdir: /app\n  workdir: /srv\n",
			want: `checks.yaml:4:3: metadataTest.workdir: duplicate key; first defined at line 3`,
		},
		{
			name: "YAML syntax error",
			yaml: "schemaVersion: 2.0.0\ncommandTests:\n  - name: v: w\n",
			want: `checks.yaml:3: malformed YAML: mapping values are not allowed in this context`,
		},
		{
			name: "two documents",
			yaml: "schemaVersion: 2.0.0\n---\nschemaVersion: 2.0.0\n",
			want: `checks.yaml:2:1: found a second YAML document; checks.yaml holds exactly one`,
		},
		{
			name: "every problem, in file order",
			yaml: "schemaVersion: 2.0.0\nfileExistenceTests:\n- path: /svc\n  gid: root\n",
			want: "checks.yaml:3:3: fileExistenceTests[0].name: required\n" +
				`checks.yaml:4:8: fileExistenceTests[0].gid: expected an integer, got "root"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("checks.yaml", []byte(tt.yaml))
			require.Error(t, err, "parsed as %+v", s)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}
