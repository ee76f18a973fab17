package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDocumentErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		{"empty", "", "bake.yaml: file is empty; it needs at least project, images and environments"},
		{"only null", "~\n", "bake.yaml: file is empty; it needs at least project, images and environments"},
		{"top level is a list", "- a\n- b\n", "bake.yaml:1:1: expected a mapping at the top level, got a list"},
		{"two documents", "project: a\n---\nproject: b\n", "bake.yaml:2:1: found a second YAML document; bake.yaml holds exactly one"},
		{"tab indentation", "project: a\nimages:\n\thello: {}\n", "bake.yaml:3: malformed YAML: found character that cannot start any token"},
		{"unclosed flow", "project: [a\n", "bake.yaml:1: malformed YAML: did not find expected ',' or ']'"},
		{"images not a mapping", "project: a\nimages: [x]\nenvironments: [{name: dev}]\n", "bake.yaml:2:9: images: expected a mapping, got a list"},
		{"environments not a list", "project: a\nimages: {}\nenvironments: {dev: {}}\n",
			"bake.yaml:2:9: images: must define at least one image\nbake.yaml:3:15: environments: expected a list of environments, got a mapping"},
		{"duplicate top-level key", "project: a\nproject: b\n",
			"bake.yaml:1:1: images: required\nbake.yaml:1:1: environments: required\nbake.yaml:2:1: project: duplicate key; first defined at line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bake.yaml", []byte(tt.data))
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, tt.want[:len("bake.yaml")], err.Error()[:len("bake.yaml")])
		})
	}
}

func TestCheckPattern(t *testing.T) {
	tests := []struct {
		pattern string
		wantErr string
	}{
		{`"version":"{{ .Version }}"`, ""},
		{`^{{ .Image }}-{{ index .Vars "suite" }}$`, ""},
		{`ok|ready`, ""},
		{`[a-`, "invalid regular expression: missing closing ]: `[a-`"},
		{`({{ .Version }}`, "invalid regular expression: missing closing ): `(x`"},
		{`{{ .Version `, "invalid template: unclosed action"},
		{`{{ nosuchfunc .Version }}`, `invalid template: function "nosuchfunc" not defined`},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			err := checkPattern(tt.pattern)
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			assert.EqualError(t, err, tt.wantErr)
		})
	}
}
