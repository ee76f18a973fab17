package frontdoor

import (
	"os"
	"path/filepath"
)

// UserStateDir is where the front doors of this user's bake live:
// $BAKE_STATE_DIR/caddy, $XDG_STATE_HOME/bake/caddy, or
// ~/.local/state/bake/caddy. bake, its tests and its benchmarks all find
// the doors there.
func UserStateDir() string {
	if d := os.Getenv("BAKE_STATE_DIR"); d != "" {
		return filepath.Join(d, "caddy")
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "bake", "caddy")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "bake", "caddy")
	}
	return filepath.Join(home, ".local", "state", "bake", "caddy")
}
