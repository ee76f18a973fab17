package ami

import (
	"encoding/base64"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bakehq/bake/internal/builder"
)

// maxUserData is EC2's limit on user data, before base64.
const maxUserData = 16 << 10

// provisioningScript is the build instance's user data: a shell script that
// writes the recipe's scripts, runs them in order with the recipe's
// environment, and powers the instance off. If a script fails, the instance
// is left running and bake's wait for it to stop runs out: an instance that
// did not finish its scripts is never imaged.
func provisioningScript(s builder.Spec, rec Recipe) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/sh\n# bake: provisions %s for an AMI, then powers the instance off.\n", s.Image.Name)
	b.WriteString("set -eu\n")
	names := make([]string, 0, len(rec.Env))
	for k := range rec.Env {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(&b, "export %s=%s\n", k, shellQuote(rec.Env[k]))
	}
	b.WriteString("dir=$(mktemp -d /var/tmp/bake-provision.XXXXXX)\ntrap 'rm -rf \"$dir\"' EXIT\ncd \"$dir\"\n")
	files := make([]string, len(rec.Scripts))
	for i, script := range rec.Scripts {
		content, err := os.ReadFile(filepath.Join(s.Image.Context, filepath.FromSlash(script)))
		if err != nil {
			return "", fmt.Errorf("%w: %s: scripts[%d]: %v", builder.ErrTemplate, filepath.Join(s.Image.Template, Template), i, err)
		}
		files[i] = fmt.Sprintf("%02d-%s", i+1, path.Base(script))
		fmt.Fprintf(&b, "base64 -d > %s <<'BAKE_SCRIPT'\n%s\nBAKE_SCRIPT\nchmod 0755 %[1]s\n",
			shellQuote(files[i]), wrap(base64.StdEncoding.EncodeToString(content), 76))
	}
	for i, script := range rec.Scripts {
		fmt.Fprintf(&b, "echo %s\n", shellQuote("bake: running "+script))
		fmt.Fprintf(&b, "./%s || { echo %s >&2; exit 1; }\n", shellQuote(files[i]),
			shellQuote("bake: "+script+" failed: the instance stays up and is not imaged"))
	}
	b.WriteString("cd /\nrm -rf \"$dir\"\necho 'bake: provisioned, powering off'\nsync\npoweroff\n")
	if b.Len() > maxUserData {
		return "", fmt.Errorf("%w: %s: the scripts make %d bytes of user data, more than EC2's %d: ship large files in a package or download them from a script",
			builder.ErrTemplate, filepath.Join(s.Image.Template, Template), b.Len(), maxUserData)
	}
	return b.String(), nil
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func wrap(s string, width int) string {
	var b strings.Builder
	for len(s) > width {
		b.WriteString(s[:width])
		b.WriteByte('\n')
		s = s[width:]
	}
	b.WriteString(s)
	return b.String()
}
