package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsonError is the document -o json prints on stdout when a command fails.
type jsonError struct {
	Schema string `json:"schema"`
	Error  struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Hint    string `json:"hint"`
		Exit    int    `json:"exit"`
	} `json:"error"`
}

// TestJSONErrors checks that with -o json a failing command prints one JSON
// error document on stdout (code, message, exit status) and still its one
// line on stderr.
func TestJSONErrors(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	cases := []struct {
		name    string
		args    []string
		env     []string
		exit    int
		code    string
		message string
		hint    bool
	}{
		{name: "unknown image", args: []string{"history", "nope", "-o", "json"}, exit: 2, code: "bad-input", message: `"nope"`},
		{name: "unknown flag before -o", args: []string{"status", "--bogus", "-o", "json"}, exit: 2, code: "bad-input", message: "--bogus"},
		{name: "--output=json", args: []string{"--output=json", "promote", "svc@1.0", "--to", "dev"}, exit: 2, code: "bad-input", message: `"1.0"`},
		{name: "refused by policy", args: []string{"promote", "svc@1.0.0", "--to", "prod", "-o", "json"}, exit: 3, code: "refused", message: "svc@1.0.0"},
		{
			name: "engine unreachable, with a hint", args: []string{"release", "svc", "--version", "2.0.0", "-o", "json"},
			env: []string{"DOCKER_HOST=unix:///nonexistent.sock"}, exit: 2, code: "bad-input", message: "/nonexistent.sock", hint: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := bakeEnv(t, p.Dir, tc.env, tc.args...)
			require.Equal(t, tc.exit, res.code, res.String())
			var doc jsonError
			decodeOne(t, res.stdout, &doc)
			assert.Equal(t, "bake.error/v1", doc.Schema)
			assert.Equal(t, tc.code, doc.Error.Code)
			assert.Equal(t, tc.exit, doc.Error.Exit)
			assert.Contains(t, doc.Error.Message, tc.message)
			assert.False(t, strings.HasPrefix(doc.Error.Message, "bake: "), doc.Error.Message)
			assert.Equal(t, tc.hint, doc.Error.Hint != "", "hint %q", doc.Error.Hint)
			// stderr keeps the line a person reads.
			assert.Contains(t, res.stderr, "bake: "+doc.Error.Message)
		})
	}

	t.Run("a result already printed is the only document", func(t *testing.T) {
		// status --check exits 4 on a recorded release that no longer runs,
		// after printing the status document.
		mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
		require.NoError(t, removeContainers(t.Context(), p.Name))
		res := bake(t, p.Dir, "status", "--check", "-o", "json")
		require.Equal(t, 4, res.code, res.String())
		var doc []map[string]json.RawMessage // the status document's images
		decodeStatus(t, res.stdout, &doc)
		require.NotEmpty(t, doc)
		assert.NotContains(t, doc[0], "error")
	})

	t.Run("text output prints nothing on stdout", func(t *testing.T) {
		res := bake(t, p.Dir, "history", "nope")
		require.Equal(t, 2, res.code)
		assert.Empty(t, res.stdout)
	})
}
