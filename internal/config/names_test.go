package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLoadRejectsNamesRegistriesRefuse(t *testing.T) {
	rename := func(t *testing.T, image string) string {
		s := edit(t, "  hello:\n", "  "+image+":\n")
		return strings.Replace(s, "      hello: {", "      "+image+": {", 1)
	}
	runInvalid(t, []invalidCase{
		{
			name:     "image name of 240 characters",
			content:  func(t *testing.T) string { return rename(t, strings.Repeat("h", 240)) },
			position: "3:3",
			message:  `images: image name "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh"... is 240 characters long; it may be at most 60`,
		},
		{
			name:     "image name of 10,000 characters, longer than YAML allows a key",
			content:  func(t *testing.T) string { return rename(t, strings.Repeat("h", 10000)) },
			position: "3:3",
			message:  `a key of 10000 characters: YAML keys are at most 1024 characters, and bake's names (images, environments) at most 60`,
		},
		{
			name:     "image name ending in a hyphen",
			content:  func(t *testing.T) string { return rename(t, "hello-") },
			position: "3:3",
			message:  `images: image name "hello-" must be lowercase letters, digits and hyphens, starting and ending with a letter or digit`,
		},
		{
			name:     "project name of 41 characters",
			content:  func(t *testing.T) string { return edit(t, "project: demo\n", "project: "+strings.Repeat("p", 41)+"\n") },
			position: "1:10",
			message:  `project: "pppppppppppppppppppppppppppppppp"... is 41 characters long; it may be at most 40`,
		},
		{
			name: "environment name of 41 characters",
			content: func(t *testing.T) string {
				return edit(t, "  - name: dev\n", "  - name: "+strings.Repeat("e", 41)+"\n")
			},
			position: "10:11",
			message:  `environments[0].name: "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"... is 41 characters long; it may be at most 40`,
		},
		{
			name: "repository longer than registries accept",
			content: func(t *testing.T) string {
				return edit(t, "images:\n", "registry: "+strings.Repeat("r", 240)+".example.com:5000\nimages:\n")
			},
			position: "4:3",
			message:  `images: image name "hello" makes the repository "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"... 268 characters long`,
		},
	})
}

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"a", "web", "web-2", "a--b", strings.Repeat("x", 60)} {
		assert.Empty(t, checkName(ok, 60), ok)
	}
	for _, bad := range []string{"", "-web", "web-", "Web", "we_b", "we.b", strings.Repeat("x", 61)} {
		assert.NotEmpty(t, checkName(bad, 60), bad)
	}
}

func TestCheckRepository(t *testing.T) {
	assert.Empty(t, checkRepository("127.0.0.1:5000", "demo", "hello"))
	assert.Contains(t, checkRepository(strings.Repeat("r", 250)+".io", "demo", "hello"), "registries accept at most 255")
}

func TestProtectedEnvironment(t *testing.T) {
	p, err := Load(writeProject(t, edit(t, "  - name: dev\n", "  - name: dev\n    protected: true\n")))
	assert.NoError(t, err)
	if assert.NotNil(t, p) {
		assert.True(t, p.Environments[0].Protected)
	}
	p, err = Load(writeProject(t, minimalFile))
	assert.NoError(t, err)
	if assert.NotNil(t, p) {
		assert.False(t, p.Environments[0].Protected, "not protected unless marked")
	}
	runInvalid(t, []invalidCase{{
		name:     "protected not a bool",
		content:  func(t *testing.T) string { return edit(t, "  - name: dev\n", "  - name: dev\n    protected: maybe\n") },
		position: "11:16",
		message:  `environments[0].protected: expected true or false, got "maybe"`,
	}})
}
