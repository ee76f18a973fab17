package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const e2e = "example.com/m/test"

// stream is go test -json as cmd/test2json writes it for a package whose
// tests pass, wait for a parallel slot, and fail in a subtest.
var stream = strings.Join([]string{
	`{"Time":"2026-01-01T00:00:00Z","Action":"start","Package":"example.com/m/test"}`,
	`{"Time":"2026-01-01T00:00:00Z","Action":"run","Package":"example.com/m/test","Test":"TestA"}`,
	`{"Time":"2026-01-01T00:00:00Z","Action":"output","Package":"example.com/m/test","Test":"TestA","Output":"=== RUN   TestA\n"}`,
	`{"Time":"2026-01-01T00:00:00Z","Action":"run","Package":"example.com/m/test","Test":"TestB"}`,
	`{"Time":"2026-01-01T00:00:00Z","Action":"pause","Package":"example.com/m/test","Test":"TestB"}`,
	`{"Time":"2026-01-01T00:00:01Z","Action":"output","Package":"example.com/m/test","Test":"TestA","Output":"--- PASS: TestA (1.25s)\n"}`,
	`{"Time":"2026-01-01T00:00:01Z","Action":"pass","Package":"example.com/m/test","Test":"TestA","Elapsed":1.25}`,
	`{"Time":"2026-01-01T00:00:01Z","Action":"cont","Package":"example.com/m/test","Test":"TestB"}`,
	`{"Time":"2026-01-01T00:00:01Z","Action":"output","Package":"example.com/m/test","Test":"TestB","Output":"    b_test.go:9: project e2e-1234\n"}`,
	`{"Time":"2026-01-01T00:00:01Z","Action":"run","Package":"example.com/m/test","Test":"TestB/case"}`,
	`{"Time":"2026-01-01T00:00:02Z","Action":"output","Package":"example.com/m/test","Test":"TestB/case","Output":"    b_test.go:12: want exit 0\n"}`,
	`{"Time":"2026-01-01T00:00:02Z","Action":"fail","Package":"example.com/m/test","Test":"TestB/case","Elapsed":1}`,
	`{"Time":"2026-01-01T00:00:02Z","Action":"fail","Package":"example.com/m/test","Test":"TestB","Elapsed":1.5}`,
	`{"Time":"2026-01-01T00:00:02Z","Action":"output","Package":"example.com/m/test","Output":"FAIL\n"}`,
	`{"Time":"2026-01-01T00:00:02Z","Action":"fail","Package":"example.com/m/test","Elapsed":2.5}`,
	`{"Time":"2026-01-01T00:00:02Z","Action":"output","Package":"example.com/m/unit","Output":"ok  \texample.com/m/unit\t0.1s\n"}`,
	`{"Time":"2026-01-01T00:00:02Z","Action":"pass","Package":"example.com/m/unit","Elapsed":0.1}`,
}, "\n")

func TestReport(t *testing.T) {
	var out strings.Builder
	r := newReport(&out, regexp.MustCompile(`/test$`), "e2e")
	require.NoError(t, r.read(strings.NewReader(stream)))
	r.summary(2)
	got := out.String()
	t.Log(got)

	assert.True(t, r.failed)
	assert.Contains(t, got, "example.com/m/test: started")
	assert.Contains(t, got, "e2e ok   TestA (1.2s)\n", "TestB waits for a slot: it does not count as running")
	assert.NotContains(t, got, "e2e ok   TestB", "a failed test has its FAIL line")
	assert.Contains(t, got, "--- FAIL: TestB/case (1.0s)")
	assert.Regexp(t, `--- FAIL: TestB \(1\.5s\) in example\.com/m/test\n(.*\n)*.*project e2e-1234\n(.*\n)*.*want exit 0\n`, got,
		"a failed test's output, its subtests' included, follows its FAIL line")
	assert.NotContains(t, got, "=== RUN   TestA", "a passed test's output is not printed")
	assert.Contains(t, got, "FAIL example.com/m/test 2.5s\n")
	assert.Contains(t, got, "ok   example.com/m/unit 0.1s\n")
	assert.NotContains(t, got, "ok  \texample.com/m/unit", "go test's own package line is not repeated")
	assert.Contains(t, got, "slowest: TestB 2s, TestA 1s\n")
}

func TestReportPassing(t *testing.T) {
	var out strings.Builder
	r := newReport(&out, regexp.MustCompile(`/test$`), "e2e")
	require.NoError(t, r.read(strings.NewReader(strings.Join([]string{
		`{"Action":"run","Package":"example.com/m/test","Test":"TestA"}`,
		`{"Action":"pass","Package":"example.com/m/test","Test":"TestA","Elapsed":3}`,
		`{"Action":"pass","Package":"example.com/m/test","Elapsed":3.5}`,
	}, "\n"))))
	assert.False(t, r.failed)
	assert.Equal(t, "e2e ok   TestA (3.0s)\nok   example.com/m/test 3.5s\n", out.String())
}

func TestReportBuildFailure(t *testing.T) {
	var out strings.Builder
	r := newReport(&out, regexp.MustCompile(`/test$`), "e2e")
	require.NoError(t, r.read(strings.NewReader(strings.Join([]string{
		`{"ImportPath":"example.com/m/test [example.com/m/test.test]","Action":"build-output","Output":"test/x_test.go:3:1: syntax error\n"}`,
		`{"ImportPath":"example.com/m/test [example.com/m/test.test]","Action":"build-fail"}`,
		`FAIL	example.com/m/test [build failed]`,
	}, "\n"))))
	assert.True(t, r.failed)
	assert.Contains(t, out.String(), "test/x_test.go:3:1: syntax error\n")
	assert.Contains(t, out.String(), "FAIL\texample.com/m/test [build failed]\n")
}

// TestHeartbeat names what runs after a quiet minute, and not a test that
// waits for a parallel slot.
func TestHeartbeat(t *testing.T) {
	var out strings.Builder
	r := newReport(&out, regexp.MustCompile(`/test$`), "e2e")
	now := time.Now()
	require.NoError(t, r.read(strings.NewReader(strings.Join([]string{
		`{"Action":"run","Package":"example.com/m/test","Test":"TestLong"}`,
		`{"Action":"run","Package":"example.com/m/test","Test":"TestWaiting"}`,
		`{"Action":"pause","Package":"example.com/m/test","Test":"TestWaiting"}`,
	}, "\n"))))
	out.Reset()
	r.heartbeat(now.Add(30*time.Second), time.Minute)
	assert.Empty(t, out.String(), "not quiet for a minute yet")
	r.heartbeat(now.Add(2*time.Minute), time.Minute)
	assert.Regexp(t, `^e2e: still running TestLong \([^)]+\)\n$`, out.String())
}

// TestReportTimeout: a test binary that times out prints its panic in the
// output of the test that ran last, and no test ends; the last line says
// so and names the unfinished tests.
func TestReportTimeout(t *testing.T) {
	var out strings.Builder
	r := newReport(&out, regexp.MustCompile(`/test$`), "e2e")
	require.NoError(t, r.read(strings.NewReader(strings.Join([]string{
		`{"Action":"run","Package":"example.com/m/test","Test":"TestSlow"}`,
		`{"Action":"run","Package":"example.com/m/test","Test":"TestSlower"}`,
		`{"Action":"run","Package":"example.com/m/test","Test":"TestFast"}`,
		`{"Action":"pass","Package":"example.com/m/test","Test":"TestFast","Elapsed":1}`,
		`{"Action":"output","Package":"example.com/m/test","Test":"TestSlower","Output":"panic: test timed out after 25m0s\n"}`,
		`{"Action":"output","Package":"example.com/m/test","Test":"TestSlower","Output":"goroutine 1 [running]:\n"}`,
		`{"Action":"output","Package":"example.com/m/test","Output":"FAIL\texample.com/m/test\t1500.1s\n"}`,
		`{"Action":"fail","Package":"example.com/m/test","Elapsed":1500.1}`,
	}, "\n"))))
	r.summary(3)
	got := out.String()
	assert.True(t, r.failed)
	assert.True(t, strings.HasSuffix(got,
		"failed: test (test timed out after 25m0s; unfinished: TestSlow, TestSlower)\n"), got)
}
