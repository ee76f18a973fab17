package cli

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestExclusiveFlags(t *testing.T) {
	tests := []struct {
		msg, want string
		ok        bool
	}{
		{"if any flags in the group [continue plan] are set none of the others can be; [continue plan] were all set", "--continue and --plan cannot be used together: give one of them", true},
		{"if any flags in the group [continue from] are set none of the others can be; [continue from] were all set", "--continue and --from cannot be used together: give one of them", true},
		{"if any flags in the group [a b c] are set none of the others can be; [a b c] were all set", "--a, --b and --c cannot be used together: give one of them", true},
		{`required flag(s) "to" not set`, "", false},
	}
	for _, tt := range tests {
		got, ok := exclusiveFlags(tt.msg)
		assert.Equal(t, tt.ok, ok, tt.msg)
		assert.Equal(t, tt.want, got, tt.msg)
	}
}
