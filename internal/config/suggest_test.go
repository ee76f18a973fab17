package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLevenshtein(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"template", "template", 0},
		{"tempalte", "template", 2},
		{"registy", "registry", 1},
		{"kitten", "sitting", 3},
		{"héllo", "hello", 1},
	}
	for _, tt := range tests {
		t.Run(tt.a+"/"+tt.b, func(t *testing.T) {
			assert.Equal(t, tt.want, levenshtein(tt.a, tt.b))
			assert.Equal(t, tt.want, levenshtein(tt.b, tt.a))
		})
	}
}

func TestSuggest(t *testing.T) {
	keys := []string{"template", "context", "base", "port", "vars", "checks"}
	tests := []struct {
		word string
		want string
	}{
		{"tempalte", "template"},
		{"Template", "template"},
		{"templates", "template"},
		{"temp", "template"},
		{"contxt", "context"},
		{"check", "checks"},
		{"prot", "port"},
		{"colour", ""},
		{"p", ""},
		{"environment", ""},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			assert.Equal(t, tt.want, suggest(tt.word, keys))
		})
	}
}

func TestUnknownName(t *testing.T) {
	tests := []struct {
		name  string
		known []string
		want  string
	}{
		{"helo", []string{"debian", "hello"}, `unknown image "helo"; did you mean "hello"?`},
		{"web", []string{"debian", "hello"}, `unknown image "web"; expected one of: debian, hello`},
		{"web", nil, `unknown image "web"`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, unknownName("image", tt.name, tt.known))
		})
	}
}
