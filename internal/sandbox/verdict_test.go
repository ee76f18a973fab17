package sandbox

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/probe"
)

func TestCommandVerdict(t *testing.T) {
	check := &config.CommandCheck{ExitCode: 0}
	version := regexp.MustCompile(`^1\.2\.3$`)
	tests := []struct {
		name           string
		want           *regexp.Regexp
		code           int
		stdout, stderr string
		passed         bool
		detail         string
	}{
		{"exit and stdout as expected", version, 0, "1.2.3\n", "", true, `"svc -v" exited 0`},
		{"no stdout check, no output", nil, 0, "", "", true, `"svc -v" exited 0 (no output)`},
		{"other exit", version, 2, "1.2.3\n", "bad flag\n", false, `"svc -v": expected exit 0, got 2; stderr "bad flag"`},
		{"other stdout", version, 0, "1.2.4\n", "", false, `"svc -v": expected stdout matching "^1\\.2\\.3$", got "1.2.4"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			detail, passed := commandVerdict("svc -v", check, tt.want, tt.code, tt.stdout, tt.stderr)
			assert.Equal(t, tt.passed, passed)
			assert.Equal(t, tt.detail, detail)
		})
	}
}

func TestRenderCommand(t *testing.T) {
	d := probe.Data{Image: "svc", Version: "1.2.3"}
	argv, want, err := renderCommand(d, &config.CommandCheck{Argv: []string{"/{{ .Image }}", "-v"}, Stdout: `^{{ .Version }}$`})
	require.NoError(t, err)
	assert.Equal(t, []string{"/svc", "-v"}, argv)
	assert.Equal(t, `^1.2.3$`, want.String())

	_, want, err = renderCommand(d, &config.CommandCheck{Argv: []string{"true"}})
	require.NoError(t, err)
	assert.Nil(t, want)
	_, _, err = renderCommand(d, &config.CommandCheck{Argv: []string{"{{ .Nope }}"}})
	assert.Error(t, err)
}
