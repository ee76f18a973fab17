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
// environment, and powers the instance off. It reports how they went, so
// bake need not wait for the build timeout to learn of a failure: on its
// output, which cloud-init copies to the console (a "bake-provision:
// failed: STEP exit CODE" line, the step's last lines, or "bake-provision:
// ok"), and in the instance's tag dev.bake.provision (failed or ok) where
// the aws CLI is installed and the instance's role allows ec2:CreateTags on
// the instance itself. A failed instance is left running, never imaged.
func provisioningScript(s builder.Spec, rec Recipe) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/sh\n# bake: provisions %s for an AMI, then powers the instance off.\n", s.Image.Name)
	b.WriteString("set -u\n")
	names := make([]string, 0, len(rec.Env))
	for k := range rec.Env {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(&b, "export %s=%s\n", k, shellQuote(rec.Env[k]))
	}
	fmt.Fprintf(&b, reportFunctions, markerPrefix, tailLines, TagProvision, TagProvisionStep)
	b.WriteString("dir=$(mktemp -d /var/tmp/bake-provision.XXXXXX) || fail setup $?\ntrap 'rm -rf \"$dir\"' EXIT\ncd \"$dir\" || fail setup $?\nout=\"$dir/output\"\n")
	files := make([]string, len(rec.Scripts))
	for i, script := range rec.Scripts {
		content, err := os.ReadFile(filepath.Join(s.Image.Context, filepath.FromSlash(script)))
		if err != nil {
			return "", fmt.Errorf("%w: %s: scripts[%d]: %v", builder.ErrTemplate, filepath.Join(s.Image.Template, Template), i, err)
		}
		files[i] = fmt.Sprintf("%02d-%s", i+1, path.Base(script))
		fmt.Fprintf(&b, "base64 -d > %s <<'BAKE_SCRIPT' || fail setup $?\n%s\nBAKE_SCRIPT\nchmod 0755 %[1]s || fail setup $?\n",
			shellQuote(files[i]), wrap(base64.StdEncoding.EncodeToString(content), 76))
	}
	for i, script := range rec.Scripts {
		fmt.Fprintf(&b, "run %s %s\n", shellQuote(script), shellQuote(files[i]))
	}
	fmt.Fprintf(&b, "cd /\nrm -rf \"$dir\"\necho '%s ok'\ntag ok ''\necho 'bake: provisioned, powering off'\nsync\npoweroff\n", markerPrefix)
	if b.Len() > maxUserData {
		return "", fmt.Errorf("%w: %s: the scripts make %d bytes of user data, more than EC2's %d: ship large files in a package or download them from a script",
			builder.ErrTemplate, filepath.Join(s.Image.Template, Template), b.Len(), maxUserData)
	}
	return b.String(), nil
}

// reportFunctions are the user data's shell functions: run runs a step
// with its output kept for the report, fail reports a failed step, tag tags
// the instance. Its verbs are the marker, the tail length and the two tags.
const reportFunctions = `tag() {
	if ! command -v aws >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then
		echo 'bake: no aws CLI or curl on the instance: it reports on its console output only'
		return 0
	fi
	imds=http://169.254.169.254/latest
	token=$(curl -sf -m 5 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' "$imds/api/token") &&
	id=$(curl -sf -m 5 -H "X-aws-ec2-metadata-token: $token" "$imds/meta-data/instance-id") &&
	region=$(curl -sf -m 5 -H "X-aws-ec2-metadata-token: $token" "$imds/meta-data/placement/region") &&
	aws ec2 create-tags --region "$region" --resources "$id" --tags "Key=%[3]s,Value=$1" \
		"Key=%[4]s,Value=$(printf '%%s' "${2:--}" | tr ',' ' ')" >/dev/null ||
	echo 'bake: could not tag the instance (its role needs ec2:CreateTags on itself): it reports on its console output only'
}
fail() {
	echo "%[1]s failed: $1 exit $2"
	if [ -s "${out:-}" ]; then tail -n %[2]d "$out" | sed 's/^/%[1]s | /'; fi
	echo '%[1]s end'
	tag failed "$1 exit $2"
	echo 'bake: the instance stays up and is not imaged'
	exit 1
}
run() {
	echo "bake: running $1"
	{ "./$2" 2>&1; echo $? > "$dir/status"; } | tee "$out"
	code=$(cat "$dir/status")
	[ "$code" = 0 ] || fail "$1" "$code"
}
`

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
