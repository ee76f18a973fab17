package ledger_test

import (
	"fmt"
	"os"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/bakehq/bake/internal/mototest"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

// motoEndpoint returns the URL of this binary's moto_server, started by the
// first test that needs it (the helper processes of the SQLite tests never
// do), and skips the test when moto_server is not installed.
func motoEndpoint(t *testing.T) string {
	t.Helper()
	return mototest.Endpoint(t)
}

var (
	tableSeq       atomic.Int64
	tableNameStrip = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)
)

// uniqueTable names a DynamoDB table no other test of this run uses, so
// tests need no reset of moto between them and may run in parallel.
func uniqueTable(t *testing.T) string {
	name := tableNameStrip.ReplaceAllString(t.Name(), "-")
	if len(name) > 200 {
		name = name[:200]
	}
	return fmt.Sprintf("bake-test-%d-%s", tableSeq.Add(1), name)
}
