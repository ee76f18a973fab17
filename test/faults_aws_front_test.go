package e2e

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// awsFailure is how awsFront fails a request.
type awsFailure int

const (
	awsPass  awsFailure = iota // hand it to moto
	aws503                     // answer 503 Service Unavailable
	awsReset                   // close the connection without an answer
)

// awsFront stands between bake and moto on 127.0.0.1 and fails requests
// when the test says: from now on, or from the first request for a given
// operation on. A failed request never reaches moto, so nothing it asked
// for happens.
type awsFront struct {
	t     *testing.T
	URL   string
	proxy *httputil.ReverseProxy

	mu      sync.Mutex
	failure awsFailure
	trigger string     // operation whose first request starts failing; "" for none
	armed   awsFailure // the failure it starts
	failed  []string   // the operations failed, in order
}

// newAWSFront starts a front for moto at endpoint, passing everything.
func newAWSFront(t *testing.T, endpoint string) *awsFront {
	t.Helper()
	target, err := url.Parse(endpoint)
	require.NoError(t, err)
	f := &awsFront{t: t, proxy: httputil.NewSingleHostReverseProxy(target)}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// set makes every request from now on fail as failure says.
func (f *awsFront) set(failure awsFailure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failure, f.trigger = failure, ""
}

// failFrom makes every request fail as failure says, from the first request
// for operation on, that one included.
func (f *awsFront) failFrom(operation string, failure awsFailure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failure, f.trigger, f.armed, f.failed = awsPass, operation, failure, nil
}

// failedOps returns the operations failed since the last failFrom.
func (f *awsFront) failedOps() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.failed...)
}

func (f *awsFront) serve(w http.ResponseWriter, r *http.Request) {
	op := operation(r)
	f.mu.Lock()
	if f.trigger != "" && op == f.trigger {
		f.failure, f.trigger = f.armed, ""
	}
	failure := f.failure
	if failure != awsPass {
		f.failed = append(f.failed, op)
	}
	f.mu.Unlock()
	switch failure {
	case awsPass:
		f.proxy.ServeHTTP(w, r)
	case aws503:
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
	case awsReset:
		// Panicking with ErrAbortHandler closes the connection unanswered.
		panic(http.ErrAbortHandler)
	}
}

// operation names the AWS operation a request calls: the X-Amz-Target of
// the JSON protocols (DynamoDB, SSM), else the Action of the query
// protocols (EC2, Auto Scaling, ELB). It leaves the body as it was.
func operation(r *http.Request) string {
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		return target[strings.LastIndexByte(target, '.')+1:]
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return ""
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return ""
	}
	return form.Get("Action")
}
