package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseHeyCountsNon2xxAndErrorsAsFailed(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run.hey")
	require.NoError(t, os.WriteFile(out, []byte(`
Summary:
  Total:	20.0096 secs
  Requests/sec:	3825.4321

Status code distribution:
  [200]	76500 responses
  [502]	7 responses

Error distribution:
  [3]	Post "http://127.0.0.1:18091/healthz": EOF
  [1]	Post "http://127.0.0.1:18091/healthz": read: connection reset by peer
`), 0o644))
	s := parseHey(out)
	assert.Equal(t, 76511, s.requests)
	assert.Equal(t, 11, s.failed)
	assert.Equal(t, 4, s.errors)
	assert.InDelta(t, 3825.43, s.rps, 0.01)
	assert.Equal(t, "200:76500, 502:7", s.codesCell())
	assert.Equal(t, "4", s.errorsCell())
}

func TestOutsidePackerSubtractsPackersOwnBuild(t *testing.T) {
	log := filepath.Join(t.TempDir(), "packer.log")
	require.NoError(t, os.WriteFile(log, []byte("==> Wait completed after 4 seconds 800 milliseconds\n"+
		"==> Wait completed after 5 seconds 250 milliseconds\n"), 0o644))
	got, ok := outsidePacker(op{Took: 5500 * time.Millisecond, Log: log})
	require.True(t, ok)
	assert.InDelta(t, 0.25, got, 1e-9)

	require.NoError(t, os.WriteFile(log, []byte("no wait line\n"), 0o644))
	_, ok = outsidePacker(op{Took: time.Second, Log: log})
	assert.False(t, ok)
}

func TestStatsAndFormatting(t *testing.T) {
	s := statsOf([]float64{2.81, 2.76, 2.89, 2.77})
	assert.Equal(t, "2.79", s.med(2))
	assert.Equal(t, "2.76", s.min(2))
	assert.Equal(t, "2.89", s.max(2))
	assert.Equal(t, "10.7", ratio(2.77, 0.26))
	assert.Equal(t, "-", ratio(1, 0))
	assert.Equal(t, "met", verdict("189.8x", ">=", 50))
	assert.Equal(t, "missed", verdict("1.9", "<=", 1.5))
	assert.Equal(t, "missed (not measured)", verdict("-", "<=", 5))
	assert.Equal(t, "100,000", thousands(100000))
	assert.Equal(t, "+0.223", minus(0.408, 0.185))
}

func TestHistoryReportRatiosAndGoals(t *testing.T) {
	ledgers := []historyLedger{
		{backend: "SQLite", size: 1000}, {backend: "SQLite", size: 100000}, {backend: "DynamoDB", size: 1000},
	}
	times := make([][][]float64, len(ledgers))
	for li := range ledgers {
		times[li] = make([][]float64, len(historyCommands))
		for ci := range historyCommands {
			v := 0.1
			if li == 1 {
				v = 0.3 // 100k costs 3x 1k
			}
			times[li][ci] = []float64{v, v, v}
		}
	}
	out := historyReport(ledgers, times)
	assert.Contains(t, out, "| command | SQLite 1,000, median s | SQLite 100,000, median s | DynamoDB 1,000, median s | SQLite 100k / 1k |")
	assert.Contains(t, out, "| `bake status` | 0.100 | 0.300 | 0.100 | 3.0 |")
	assert.Contains(t, out, "| `bake status` on SQLite: 100,000 records / 1,000 records (median over median) | <= 1.5 | 3.0 | missed |")
	assert.NotContains(t, out, "on DynamoDB")
	assert.Contains(t, out, "| `bake verify` of 100,000 records on SQLite | <= 5.000 s | 0.300 s | met |")
}

func TestReplaceSectionKeepsTheRestOfTheReport(t *testing.T) {
	doc := "# Benchmarks\n\n" + wrapSection("switch", "### Switch\n\nold switch\n") + "\n" +
		wrapSection("baking", "### Baking\n\nbaking\n") + "\ncommands that failed:\n\n- x\n"

	got := replaceSection(doc, "switch", "### Switch\n\nnew switch\n", "today")
	assert.Contains(t, got, "new switch")
	assert.NotContains(t, got, "old switch")
	assert.Contains(t, got, "`go run ./test/bench -only switch -update`): today._")
	assert.Contains(t, got, "### Baking\n\nbaking\n")
	assert.Equal(t, 1, strings.Count(got, "<!-- bench:switch -->"))

	// A table not in the report yet goes before the next table that is.
	got = replaceSection(got, "strategy", "### Strategy\n", "today")
	assert.Less(t, strings.Index(got, "### Strategy"), strings.Index(got, "### Baking"))
	assert.Greater(t, strings.Index(got, "### Strategy"), strings.Index(got, "new switch"))

	// The last table goes before the lists of errors.
	got = replaceSection(got, "history", "### History\n", "today")
	assert.Less(t, strings.Index(got, "### History"), strings.Index(got, "commands that failed"))
	assert.Greater(t, strings.Index(got, "### History"), strings.Index(got, "### Baking"))
}

func TestReadHeyCSV(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run.hey")
	require.NoError(t, os.WriteFile(out, []byte(`response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset
0.0277,0.0005,0.0000,0.0001,0.0267,0.0004,200,0.0002
0.1013,0.0006,0.0000,0.0001,0.0005,0.0001,500,1.5000
`), 0o644))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	got := readHeyCSV(out, start)
	require.Len(t, got, 2)
	assert.Equal(t, heyResponse{at: start.Add(1500 * time.Millisecond), took: 101300 * time.Microsecond, status: 500}, got[1])
	assert.Equal(t, 3, codeCount(heySummary{codes: []string{"200:10", "500:3"}}, 500))
}

func TestKubeCallsReadsTheRunsLastLine(t *testing.T) {
	n, detail := kubeCalls("promoting svc@1.1.0\nkubernetes: 3 API calls (get version 1, list pods 2)\n" +
		"switched\nkubernetes: 8 API calls (apply deployments 1, apply services 1, get version 1, list pods 5)\n")
	assert.Equal(t, 8, n)
	assert.Equal(t, "apply deployments 1, apply services 1, get version 1, list pods 5", detail)
	n, _ = kubeCalls("error: the API server does not answer\n")
	assert.Equal(t, -1, n)
}

func TestKubeMedianSampleAndSpread(t *testing.T) {
	v := []kubeSample{{calls: 9, detail: "a"}, {calls: -1}, {calls: 7, detail: "b"}, {calls: 8, detail: "c"}}
	s, ok := medianSample(v)
	require.True(t, ok)
	assert.Equal(t, "c", s.detail)
	_, ok = medianSample([]kubeSample{{calls: -1}})
	assert.False(t, ok)
	assert.Equal(t, "0.8 (0.3-1.7)", spread([]float64{1.7, 0.3, 0.8}, 1))
	assert.Equal(t, "-", spread(nil, 1))
}
