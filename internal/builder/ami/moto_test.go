package ami

import (
	"os"
	"testing"

	"github.com/bakehq/bake/internal/mototest"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

// motoEndpoint returns the URL of this binary's moto_server, starting it on
// first use, and skips the test when moto_server is not installed.
func motoEndpoint(t *testing.T) string {
	t.Helper()
	return mototest.Endpoint(t)
}
