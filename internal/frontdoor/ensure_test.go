package frontdoor

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPinAdmin(t *testing.T) {
	c := &Caddy{Admin: "127.0.0.1:2019"}
	tests := []struct {
		name     string
		autosave string
		want     string
	}{
		{"no admin", `{"apps":{}}`, `{"apps":{},"admin":{"listen":"127.0.0.1:2019","config":{"persist":true}}}`},
		{"empty", `null`, `{"admin":{"listen":"127.0.0.1:2019","config":{"persist":true}}}`},
		{
			"public, remote and not persisted",
			`{"admin":{"listen":"0.0.0.0:2019","disabled":true,"remote":{"listen":":2021"},"config":{"persist":false},"origins":["localhost"]}}`,
			`{"admin":{"listen":"127.0.0.1:2019","config":{"persist":true},"origins":["localhost"]}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "autosave.json")
			require.NoError(t, os.WriteFile(path, []byte(tt.autosave), 0o600))
			require.NoError(t, c.pinAdmin(path))
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(got))
		})
	}

	t.Run("missing", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "autosave.json")
		require.NoError(t, c.pinAdmin(path))
		assert.NoFileExists(t, path)
	})
}

func TestLogTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "caddy.log")
	var lines []string
	for i := range 3000 {
		lines = append(lines, fmt.Sprintf(`{"msg":"line %d"}`, i))
	}
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600))
	assert.Equal(t, strings.Join(lines[2997:], "\n"), logTail(path, 3))
	assert.Contains(t, logTail(filepath.Join(t.TempDir(), "none.log"), 3), "no log")
}

func TestWriteLogLine(t *testing.T) {
	var b strings.Builder
	require.NoError(t, writeLogLine(&b, startMessage, "127.0.0.1:2019"))
	var line map[string]any
	require.NoError(t, json.Unmarshal([]byte(b.String()), &line))
	assert.Equal(t, startMessage, line["msg"])
	assert.Equal(t, "127.0.0.1:2019", line["admin"])
	assert.True(t, strings.HasSuffix(b.String(), "\n"))
}
