package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAMIRetention(t *testing.T) {
	p, err := Load(writeProject(t, minimalFile))
	require.NoError(t, err)
	assert.Equal(t, AMIRetention{}, p.Retention, "AMIs are left alone unless asked")

	p, err = Load(writeProject(t, edit(t, "images:\n", "retention: {amis: true}\nimages:\n")))
	require.NoError(t, err)
	assert.Equal(t, AMIRetention{AMIs: true}, p.Retention)
}

func TestAMIRetentionRejects(t *testing.T) {
	runInvalid(t, []invalidCase{
		{
			name:     "unknown key",
			content:  func(t *testing.T) string { return edit(t, "images:\n", "retention: {ami: true}\nimages:\n") },
			position: "2:13",
			message:  `retention.ami: unknown key; did you mean "amis"?`,
		},
		{
			name:     "not a boolean",
			content:  func(t *testing.T) string { return edit(t, "images:\n", "retention: {amis: prod}\nimages:\n") },
			position: "2:19",
			message:  `retention.amis: expected true or false, got "prod"`,
		},
	})
}
