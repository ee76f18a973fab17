package e2e

import (
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestInterruptAroundTheSwitch sends SIGINT as a promote's last new
// replica turns healthy: the signal lands just before, during or after the
// front door switches. Whatever the timing, the front door must end up
// serving the release the ledger records (never replicas the interrupted
// run removed), and status --check must find nothing to fix.
func TestInterruptAroundTheSwitch(t *testing.T) {
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	p.release(t, "1.1.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	healthy := regexp.MustCompile(` is healthy$`)
	for i := range 4 {
		seen := 0
		lastHealthy := func(line string) bool {
			if healthy.MatchString(line) {
				seen++
			}
			return seen == 2
		}
		code, out := runActing(t, p.Dir, lastHealthy, func(proc *os.Process) string {
			_ = proc.Signal(os.Interrupt)
			return "--- SIGINT"
		}, "promote", "svc@1.1.0", "--to", "dev")
		t.Logf("run %d: exit %d\n%s", i, code, out)
		recorded := envStatusOf(t, p, "dev").Version
		assertServes(t, p, "dev", recorded)
		res := bake(t, p.Dir, "status", "--check")
		assert.Equal(t, 0, res.code, "run %d: status --check after the interrupt:\n%s", i, res)
		if recorded != "1.0.0" {
			mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
		}
	}
}
