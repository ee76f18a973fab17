package frontdoor

import (
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bakehq/bake/internal/secret"
)

// MinVersion is the oldest Caddy bake starts: from 2.11.4 on, Caddy reads a
// {file.*} placeholder in an upstream's dial address on every request
// cheaply, which is what lets a switch rewrite files instead of the config.
const MinVersion = "v2.11.4"

// caddyModule is the module a Caddy binary is built from.
const caddyModule = "github.com/caddyserver/caddy/v2"

// ErrOldCaddy means the caddy binary is older than MinVersion.
var ErrOldCaddy = errors.New("caddy is older than " + MinVersion)

// checkBinary finds the caddy to start and refuses one older than MinVersion.
func (c *Caddy) checkBinary(ctx context.Context) (bin, version string, err error) {
	name := c.Binary
	if name == "" {
		name = "caddy"
	}
	bin, err = exec.LookPath(name)
	if err != nil {
		return "", "", fmt.Errorf("finding caddy: %w; install Caddy %s or later on PATH", err, MinVersion)
	}
	if bin, err = filepath.Abs(bin); err != nil {
		return "", "", fmt.Errorf("finding caddy: %w", err)
	}
	version, err = binaryVersion(ctx, bin)
	if err != nil {
		return "", "", fmt.Errorf("%w; install Caddy %s or later on PATH", err, MinVersion)
	}
	if !atLeast(version, MinVersion) {
		return "", "", fmt.Errorf("%s is caddy %s: %w, which bake needs to switch traffic without reloading; install Caddy %s or later on PATH", bin, version, ErrOldCaddy, MinVersion)
	}
	return bin, version, nil
}

// binaryVersion returns the Caddy version bin was built from: the module
// version Go recorded in it (`caddy version` of a `go install` build prints
// "unknown"), else the first word `caddy version` prints.
func binaryVersion(ctx context.Context, bin string) (string, error) {
	if v := moduleVersion(bin); v != "" {
		return v, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "version")
	cmd.Env = secret.ChildEnv(os.Environ())
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("reading the version of caddy %s: %w", bin, err)
	}
	fields := strings.Fields(string(out))
	if len(fields) == 0 || !validVersion(fields[0]) {
		return "", fmt.Errorf("reading the version of caddy %s: %q is not a version", bin, strings.TrimSpace(string(out)))
	}
	return fields[0], nil
}

// moduleVersion reads the Caddy module version from bin's Go build info.
func moduleVersion(bin string) string {
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return ""
	}
	if info.Main.Path == caddyModule && validVersion(info.Main.Version) {
		return info.Main.Version
	}
	for _, dep := range info.Deps {
		if dep.Path != caddyModule {
			continue
		}
		if dep.Replace != nil && validVersion(dep.Replace.Version) {
			return dep.Replace.Version
		}
		if validVersion(dep.Version) {
			return dep.Version
		}
	}
	return ""
}

// parseVersion splits "v2.11.9" or "2.6.2" (an optional "-pre" or "+build"
// suffix is returned apart) into its numbers.
func parseVersion(v string) (nums [3]int, pre string, ok bool) {
	v = strings.TrimPrefix(v, "v")
	v, _, _ = strings.Cut(v, "+")
	v, pre, _ = strings.Cut(v, "-")
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return nums, "", false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nums, "", false
		}
		nums[i] = n
	}
	return nums, pre, true
}

func validVersion(v string) bool {
	_, _, ok := parseVersion(v)
	return ok
}

// atLeast reports whether version v is floor or later; a pre-release of
// floor is not.
func atLeast(v, floor string) bool {
	got, pre, ok := parseVersion(v)
	want, _, okMin := parseVersion(floor)
	if !ok || !okMin {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return got[i] > want[i]
		}
	}
	return pre == ""
}
