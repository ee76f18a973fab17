package sandbox

import (
	"os/exec"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
)

// TestSSMVerdict compares invocations as SSM reports them (on AWS, not
// only moto's exit 0 with no output) with what a check asks.
func TestSSMVerdict(t *testing.T) {
	inv := func(status ssmtypes.CommandInvocationStatus, details string, code int32, stdout, stderr string) *ssm.GetCommandInvocationOutput {
		return &ssm.GetCommandInvocationOutput{Status: status, StatusDetails: aws.String(details), ResponseCode: code,
			StandardOutputContent: aws.String(stdout), StandardErrorContent: aws.String(stderr)}
	}
	check := &config.CommandCheck{ExitCode: 0, Timeout: 30 * time.Second}
	exit2 := &config.CommandCheck{ExitCode: 2, Timeout: 30 * time.Second}
	ok := regexp.MustCompile(`^ok$`)
	empty := regexp.MustCompile(`^$`)
	for _, tc := range []struct {
		name   string
		check  *config.CommandCheck
		want   *regexp.Regexp
		inv    *ssm.GetCommandInvocationOutput
		passed bool
		detail string
	}{
		{"exit 0, stdout matches", check, ok, inv("Success", "Success", 0, "ok\n", ""), true, `"cmd" exited 0`},
		{"exit 0, no stdout check, no output", check, nil, inv("Success", "Success", 0, "", ""), true, `"cmd" exited 0 (no output)`},
		{"stdout differs", check, ok, inv("Success", "Success", 0, "nope\n", ""), false, `"cmd": expected stdout matching "^ok$", got "nope"`},
		{"stdout check, no output", check, ok, inv("Success", "Success", 0, "", ""), false,
			`"cmd": expected stdout matching "^ok$", but SSM returned no output (exit 0); a stdout check passes only on output bake has seen`},
		{"a pattern matching nothing still needs output", check, empty, inv("Success", "Success", 0, "", ""), false,
			`"cmd": expected stdout matching "^$", but SSM returned no output (exit 0); a stdout check passes only on output bake has seen`},
		{"non-zero exit is Failed", check, nil, inv("Failed", "Failed", 1, "", "boom\n"), false, `"cmd": expected exit 0, got 1; stderr "boom"`},
		{"expected non-zero exit", exit2, nil, inv("Failed", "Failed", 2, "", ""), true, `"cmd" exited 2 (no output)`},
		{"expected non-zero exit, got 0", exit2, nil, inv("Success", "Success", 0, "", ""), false, `"cmd": expected exit 2, got 0; stderr ""`},
		{"execution timed out", check, nil, inv("TimedOut", "ExecutionTimedOut", -1, "", ""), false, `"cmd": no exit within 30s (SSM: TimedOut (ExecutionTimedOut))`},
		{"undeliverable", check, nil, inv("Failed", "Undeliverable", -1, "", ""), false, `"cmd": SSM reports Failed (Undeliverable) with no exit code`},
		{"cancelled", check, nil, inv("Cancelled", "Cancelled", -1, "", ""), false, `"cmd": SSM reports Cancelled`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			detail, passed := ssmVerdict("cmd", tc.check, tc.want, tc.inv)
			assert.Equal(t, tc.passed, passed)
			assert.Equal(t, tc.detail, detail)
		})
	}
}

// TestShellJoin runs the joined command in sh and gets the argv back.
func TestShellJoin(t *testing.T) {
	for _, argv := range [][]string{
		{"true"},
		{"sh", "-c", "echo $HOME; exit 3"},
		{"printf", "%s\n", "it's", `"quoted"`, "a b", "", "$(id)", "`id`", "*", "new\nline", `back\slash`},
		{"/usr/bin/env", "A=b", "x,y:z@1+2%3"},
		{"printf", "%s", "~", "a;b", "a|b", "a&b", "(x)", "{y}", "$PATH", "!"},
	} {
		joined := shellJoin(argv)
		out, err := exec.Command("sh", "-c", "set -- "+joined+`; for a in "$@"; do printf '[%s]' "$a"; done`).Output()
		require.NoError(t, err, joined)
		want := ""
		for _, a := range argv {
			want += "[" + a + "]"
		}
		assert.Equal(t, want, string(out), joined)
	}
	assert.Equal(t, "sh -c 'echo hi'", shellJoin([]string{"sh", "-c", "echo hi"}))
	// A first word the shell would read as its own is a program name.
	assert.Equal(t, "'if' true", shellJoin([]string{"if", "true"}))
	assert.Equal(t, "'A=b' true", shellJoin([]string{"A=b", "true"}))
	out, err := exec.Command("sh", "-c", shellJoin([]string{"A=b", "true"})).CombinedOutput()
	assert.Error(t, err, "runs a program named A=b, as a container would: %s", out)
}

func TestExecutionTimeout(t *testing.T) {
	assert.Equal(t, 30, executionTimeout(30*time.Second))
	assert.Equal(t, 2, executionTimeout(1500*time.Millisecond))
	assert.Equal(t, 1, executionTimeout(0))
	assert.Equal(t, 172800, executionTimeout(72*time.Hour))
}
