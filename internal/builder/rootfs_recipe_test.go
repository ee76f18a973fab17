package builder

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRootfsRecipe(t *testing.T) {
	rec, err := parseRootfsRecipe("rootfs.yaml", []byte("suite: bookworm\ninclude: [curl]\nepoch: 1700000000\n"))
	require.NoError(t, err)
	assert.Equal(t, Recipe{Suite: "bookworm", Include: []string{"curl"}, Epoch: 1700000000}, rec)
	_, err = parseRootfsRecipe("rootfs.yaml", []byte("suite: bookworm-backports\nvariant: minbase\ninclude: [ca-certificates, libc6:amd64, curl=7.88.1-10, git/bookworm-backports]\n"))
	require.NoError(t, err)

	for _, tt := range []struct{ recipe, want string }{
		{"suite: bookworm\nsuitee: x\n", `rootfs.yaml:2:1: suitee: unknown key; did you mean "suite"?`},
		{"suite: bookworm\ncolour: x\n", "rootfs.yaml:2:1: colour: unknown key; expected one of: suite, variant, include, epoch, cmd, env"},
		{"suite: a\nsuite: b\n", "rootfs.yaml:2:1: suite: duplicate key; first defined at line 1"},
		{"suite: bookworm\ninclude: curl\n", `rootfs.yaml:2:10: include: expected a list of strings, got "curl"`},
		{"suite: bookworm\nepoch: soon\n", `rootfs.yaml:2:8: epoch: expected a whole number of seconds, got "soon"`},
		{"variant: apt\n", "rootfs.yaml:1:1: suite: required: the Debian suite to bake, such as bookworm"},
		{"", "rootfs.yaml:1:1: suite: required: the Debian suite to bake, such as bookworm"},
		{"suite: [bookworm\n", "rootfs.yaml:1: malformed YAML: did not find expected ',' or ']'"},
		{"suite: *s\n", "rootfs.yaml:1:8: malformed YAML: unknown anchor 's' referenced"},
		{"- bookworm\n", "rootfs.yaml:1:1: expected a mapping, got a list"},
		// Values that reach mmdebstrap's command line never become options.
		{"suite: --include=evil\n", `rootfs.yaml:1:8: suite: "--include=evil" is not a Debian suite name such as bookworm`},
		{"suite: bookworm\nvariant: \"apt --setup-hook=x\"\n", `rootfs.yaml:2:10: variant: "apt --setup-hook=x" is not an mmdebstrap variant; expected one of: extract, custom, essential, apt, required, minbase, buildd, important, debootstrap, standard`},
		{"suite: bookworm\ninclude: [curl, /home/u/.aws/x.deb]\n", `rootfs.yaml:2:17: include[1]: "/home/u/.aws/x.deb" is not a Debian package name such as curl`},
	} {
		_, err := parseRootfsRecipe("rootfs.yaml", []byte(tt.recipe))
		require.Error(t, err, tt.recipe)
		assert.True(t, errors.Is(err, ErrTemplate), tt.recipe)
		assert.Equal(t, "template error: "+tt.want, err.Error(), tt.recipe)
	}
}
