package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Each mistake below is reported as exactly one problem, at its place.
func TestOneMistakeIsOneProblem(t *testing.T) {
	tests := []struct {
		name    string
		content func(t *testing.T) string
		want    string // the whole error after "FILE:"
	}{
		{
			name:    "misspelt required key",
			content: func(t *testing.T) string { return edit(t, "    template:", "    tempalte:") },
			want:    `4:5: images.hello.tempalte: unknown key; did you mean "template"?`,
		},
		{
			name:    "misspelt project",
			content: func(t *testing.T) string { return edit(t, "project:", "projcet:") },
			want:    `1:1: projcet: unknown key; did you mean "project"?`,
		},
		{
			name: "check uses a variable the image does not define",
			content: func(t *testing.T) string {
				return edit(t, "{path: /healthz}", "{path: /healthz, body: '{{ .Vars.nope }}'}")
			},
			want: `8:38: images.hello.checks[0].http.body: invalid template: <.Vars.nope>: map has no entry for key "nope"`,
		},
		{
			name:    "check uses a field checks do not have",
			content: func(t *testing.T) string { return edit(t, "{path: /healthz}", "{path: '/{{ .Versoin }}'}") },
			want:    `8:22: images.hello.checks[0].http.path: invalid template: <.Versoin>: map has no entry for key "Versoin"`,
		},
		{
			name:    "alias to no anchor",
			content: func(t *testing.T) string { return edit(t, "port: 8080", "port: *port") },
			want:    `5:11: malformed YAML: unknown anchor 'port' referenced`,
		},
		{
			name:    "tab in the indentation",
			content: func(t *testing.T) string { return edit(t, "    port: 8080", "\tport: 8080") },
			want:    `5:1: malformed YAML: found a tab character that violates indentation`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeProject(t, tt.content(t))
			_, err := Load(path)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.Equal(t, path+":"+tt.want, err.Error())
		})
	}
}

func TestCheckMayUseTheImageVars(t *testing.T) {
	content := edit(t, "    port: 8080\n", "    port: 8080\n    vars: {greeting: hi}\n")
	content = editOf(t, content, "{path: /healthz}", "{path: '/{{ .Vars.greeting }}', body: '{{ .Image }} {{ .Version }}'}")
	_, err := Load(writeProject(t, content))
	require.NoError(t, err)
}

func editOf(t *testing.T, s, old, new string) string {
	t.Helper()
	require.Contains(t, s, old)
	return strings.Replace(s, old, new, 1)
}
