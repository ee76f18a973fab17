package ami

import (
	"encoding/base64"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// The build instance's report of its provisioning scripts (see provisioningScript).
const (
	TagProvision     = "dev.bake.provision"      // ok or failed, set by the build instance itself
	TagProvisionStep = "dev.bake.provision-step" // the failed step and its exit code
	markerPrefix     = "bake-provision:"         // starts the report's lines on the console
	tailLines        = 20                        // lines of a failed step's output in the report
)

// provisionReport is what the build instance reported, from its tags and
// its console output; the zero value is no report (yet).
type provisionReport struct {
	Status string   // "ok", "failed" or ""
	Step   string   // "STEP exit CODE" of a failed step, when known
	Tail   []string // the failed step's last lines of output, when the console has them
}

// readReport reads the report from the instance's tags and its console
// output: the tag arrives first where the instance may set it, the console
// output (which EC2 updates late) works without any permission.
func readReport(tags []types.Tag, console string) provisionReport {
	var r provisionReport
	for _, t := range tags {
		switch *t.Key {
		case TagProvision:
			r.Status = *t.Value
		case TagProvisionStep:
			r.Step = *t.Value
		}
	}
	lines := strings.Split(strings.ReplaceAll(console, "\r", ""), "\n")
	// The last failure marker on the console: lines before it may be an
	// earlier boot's.
	failed := -1
	for i, l := range lines {
		_, rest, ok := strings.Cut(l, markerPrefix)
		if !ok {
			continue
		}
		switch rest = strings.TrimSpace(rest); {
		case strings.HasPrefix(rest, "failed: "):
			failed = i
			r.Status, r.Step = "failed", strings.TrimPrefix(rest, "failed: ")
		case rest == "ok" && r.Status == "":
			r.Status = "ok"
		}
	}
	if failed >= 0 {
		for _, l := range lines[failed+1:] {
			_, rest, ok := strings.Cut(l, markerPrefix)
			if !ok {
				continue // the kernel's lines on the same console
			}
			if strings.TrimSpace(rest) == "end" {
				break
			}
			if line, ok := strings.CutPrefix(rest, " | "); ok {
				r.Tail = append(r.Tail, line)
			}
		}
	}
	return r
}

// consoleText decodes GetConsoleOutput's base64 output.
func consoleText(out string) string {
	if b, err := base64.StdEncoding.DecodeString(out); err == nil {
		return string(b)
	}
	return out
}
