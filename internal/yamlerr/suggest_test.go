package yamlerr

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

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
		{"héllo", ""},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			assert.Equal(t, tt.want, Suggest(tt.word, keys))
		})
	}
	assert.Equal(t, "héllö", Suggest("hello", []string{"héllö"}), "an edit is one rune, not one byte")
	assert.Equal(t, "schemaVersion", Suggest("schemaversoin", []string{"schemaVersion", "commandTests"}))
}
