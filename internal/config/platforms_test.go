package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlatforms(t *testing.T) {
	dir := platformsProject(t, "[linux/amd64, linux/arm64, linux/arm/v7]", "builder: {address: tcp://127.0.0.1:1234}")
	p, err := Load(filepath.Join(dir, "bake.yaml"))
	require.NoError(t, err)
	img := p.Image("a")
	assert.Equal(t, []string{"linux/amd64", "linux/arm64", "linux/arm/v7"}, img.Platforms)
	assert.Equal(t, "images.a.platforms", img.PlatformsAt.Key)
	assert.Equal(t, 4, img.PlatformsAt.Line, "where a later problem with them is reported")

	dir = platformsProject(t, "", "")
	p, err = Load(filepath.Join(dir, "bake.yaml"))
	require.NoError(t, err)
	assert.Empty(t, p.Image("a").Platforms, "none: the builder's own platform")
}

func TestPlatformsErrors(t *testing.T) {
	for list, want := range map[string]string{
		"[linux/amd64, linux/amd64]": `bake.yaml:4:30: images.a.platforms[1]: linux/amd64 is listed twice`,
		"[amd64]":                    `"amd64" is not a platform: write OS/ARCH or OS/ARCH/VARIANT, such as linux/arm64`,
		"[windows/amd64]":            `the sandbox runs linux images only`,
		"[linux/arm65]":              `unknown architecture "arm65"; did you mean "linux/arm64"?`,
		"[linux/arm/v9]":             `unknown variant "v9" of arm; expected one of: v5, v6, v7`,
		"[linux/amd64/v3]":           `amd64 has no variants; write linux/amd64`,
		"[]":                         `images.a.platforms: must not be empty`,
		"linux/amd64":                `images.a.platforms: expected a list of strings`,
	} {
		dir := platformsProject(t, list, "builder: {address: tcp://127.0.0.1:1234}")
		_, err := Load(filepath.Join(dir, "bake.yaml"))
		require.Error(t, err, list)
		assert.ErrorIs(t, err, ErrInvalid, list)
		assert.Contains(t, err.Error(), want, list)
	}

	dir := platformsProject(t, "[linux/amd64, linux/arm64]", "builder: legacy")
	_, err := Load(filepath.Join(dir, "bake.yaml"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bake.yaml:4:5: images.a.platforms: the legacy builder builds one platform")
}

// platformsProject is a minimal project whose image a has platforms list
// ("" for none), with builder appended.
func platformsProject(t *testing.T, list, builder string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "t"), 0o755))
	image := "    template: t\n    context: t\n"
	if list != "" {
		image = "    platforms: " + list + "\n" + image
	}
	yaml := strings.Join([]string{"project: p", "images:", "  a:", image + "environments: [{name: dev, targets: {}}]", builder}, "\n")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bake.yaml"), []byte(yaml), 0o644))
	return dir
}
