package cst

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckCommand(t *testing.T) {
	argv := []string{"/svc", "-version"}
	tests := []struct {
		name   string
		test   CommandTest
		out    commandOutcome
		passed bool
		detail string
	}{
		{"one line, anchored", CommandTest{ExpectedOutput: []string{`^1\.2\.0$`}},
			commandOutcome{Argv: argv, Stdout: "1.2.0\n"}, true, `"/svc -version" exited 0`},
		{"wrong version", CommandTest{ExpectedOutput: []string{`^1\.2\.0$`}},
			commandOutcome{Argv: argv, Stdout: "1.1.0\n"}, false, `"/svc -version": expected output matching "^1\\.2\\.0$", got "1.1.0"`},
		{"excluded output", CommandTest{ExcludedOutput: []string{`dev|rc`}},
			commandOutcome{Argv: argv, Stdout: "1.2.0-rc.1\n"}, false, `"/svc -version": expected output not matching "dev|rc", found "rc"`},
		{"stderr", CommandTest{ExpectedError: []string{"usage"}, ExcludedError: []string{"panic"}},
			commandOutcome{Argv: argv, Stderr: "panic: boom\n"}, false,
			`"/svc -version": expected stderr matching "usage", got "panic: boom"; expected stderr not matching "panic", found "panic"`},
		{"exit code", CommandTest{ExitCode: 2},
			commandOutcome{Argv: argv, ExitCode: 1, Stderr: "flag provided but not defined\n"}, false,
			`"/svc -version": expected exit code 2, got 1 (stderr "flag provided but not defined")`},
		{"expected failure", CommandTest{ExitCode: 2, ExpectedError: []string{"not defined"}},
			commandOutcome{Argv: argv, ExitCode: 2, Stderr: "flag provided but not defined\n"}, true, `"/svc -version" exited 2`},
		{"multi-line output", CommandTest{ExpectedOutput: []string{`(?m)^world$`, `hello\nworld`}},
			commandOutcome{Argv: argv, Stdout: "hello\nworld\n"}, true, `"/svc -version" exited 0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			detail, passed, err := checkCommand(tt.test, tt.out)
			require.NoError(t, err)
			assert.Equal(t, tt.detail, detail)
			assert.Equal(t, tt.passed, passed)
		})
	}
}

func TestExpandEnv(t *testing.T) {
	env := map[string]string{"PATH": "/usr/bin:/bin", "SVC_VERSION": "1.2.0"}
	assert.Equal(t, "/env/bin:/usr/bin:/bin", expandEnv("/env/bin:$PATH", env))
	assert.Equal(t, "v1.2.0-", expandEnv("v${SVC_VERSION}-$UNSET", env))
}
