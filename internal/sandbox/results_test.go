package sandbox

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/bakehq/bake/internal/ledger"
)

// TestResultsRecord: a container and an EC2 instance record their checks
// the same way: in order, each written as one line when it is recorded.
func TestResultsRecord(t *testing.T) {
	var out strings.Builder
	r := results{progress: &out}
	r.record(ledger.CheckResult{Name: "health", Kind: "http", Passed: true, Detail: "200 in 4ms"})
	r.record(ledger.CheckResult{Name: "version", Kind: "command", Detail: "exited 1"})
	assert.Equal(t, []string{"health", "version"}, []string{r.list[0].Name, r.list[1].Name})
	assert.Equal(t, "  ok   health: 200 in 4ms\n  FAIL version: exited 1\n", out.String())
	assert.False(t, Passed(r.list))
	assert.True(t, Passed(r.list[:1]))

	quiet := results{}
	quiet.record(ledger.CheckResult{Name: "x", Passed: true})
	assert.Len(t, quiet.list, 1, "recorded without progress")
}
