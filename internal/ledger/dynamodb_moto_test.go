package ledger_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/bakehq/bake/internal/mototest"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

// motoEndpoint returns the URL of this binary's moto_server, started by the
// first test that needs it (the helper processes of the SQLite tests never
// do), and skips the test when moto_server is not installed.
//
// The URL is that of a proxy that passes one request at a time. moto
// serves requests on many threads without isolating them: a
// TransactWriteItems that is cancelled puts back the whole table as it
// found it, undoing what other requests wrote meanwhile, so concurrent
// writers can lose writes that DynamoDB, whose transactions are
// serializable, keeps. One request at a time gives the concurrency tests
// DynamoDB's guarantees; the writers' requests still interleave.
func motoEndpoint(t *testing.T) string {
	t.Helper()
	target := mototest.Endpoint(t)
	serial.once.Do(func() {
		u, err := url.Parse(target)
		if err != nil {
			serial.err = err
			return
		}
		proxy := httputil.NewSingleHostReverseProxy(u)
		serial.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			serial.mu.Lock()
			defer serial.mu.Unlock()
			proxy.ServeHTTP(w, r)
		}))
	})
	if serial.err != nil {
		t.Fatalf("proxying moto: %v", serial.err)
	}
	return serial.srv.URL
}

// serial is the proxy motoEndpoint returns, made once per test binary.
var serial struct {
	once sync.Once
	mu   sync.Mutex
	srv  *httptest.Server
	err  error
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
