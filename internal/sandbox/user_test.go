package sandbox

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIsRoot(t *testing.T) {
	for user, want := range map[string]bool{
		"": true, "root": true, "0": true, "0:0": true, "root:staff": true,
		"65534": false, "65534:65534": false, "nobody": false, "app:0": false,
	} {
		assert.Equal(t, want, isRoot(user), "%q", user)
	}
}
