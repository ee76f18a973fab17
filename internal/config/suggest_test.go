package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

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
