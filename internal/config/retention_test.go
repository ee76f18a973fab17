package config

import (
	"testing"
	"time"

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
	assert.False(t, p.Retention.Lifecycle(), "no AMI is changed after a deployment unless asked")

	p, err = Load(writeProject(t, edit(t, "images:\n", "retention: {amis: true, deprecate_after: 720h, protect: true}\nimages:\n")))
	require.NoError(t, err)
	assert.Equal(t, AMIRetention{AMIs: true, DeprecateAfter: 720 * time.Hour, Protect: true}, p.Retention)
	assert.True(t, p.Retention.Lifecycle())
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
		{
			name:     "a misspelt key",
			content:  func(t *testing.T) string { return edit(t, "images:\n", "retention: {deprecate_afer: 720h}\nimages:\n") },
			position: "2:13",
			message:  `retention.deprecate_afer: unknown key; did you mean "deprecate_after"?`,
		},
		{
			name:     "not a duration",
			content:  func(t *testing.T) string { return edit(t, "images:\n", "retention: {deprecate_after: 30d}\nimages:\n") },
			position: "2:30",
			message:  `retention.deprecate_after: expected a duration such as "30s", got "30d"`,
		},
		{
			name:     "protect not a boolean",
			content:  func(t *testing.T) string { return edit(t, "images:\n", "retention: {protect: prod}\nimages:\n") },
			position: "2:22",
			message:  `retention.protect: expected true or false, got "prod"`,
		},
	})
}
