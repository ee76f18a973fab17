package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// historySizes are the deployment records the history table seeds a ledger
// with. DynamoDB, on moto, gets the smallest unless -dynamodb-sizes says
// more: moto takes every append through the whole API (a few a second on a
// busy machine), so 10,000 records take most of an hour to seed.
var (
	historySizes       = []int{1000, 10000, 100000}
	historySizesDynamo = []int{1000}
)

const (
	historyProject = "bench-history"
	historyListen  = "127.0.0.1:18094"
	historyRounds  = 3
)

// historyCommand is one command the history table times at every size.
type historyCommand struct {
	label string
	args  []string
	goal  bool // should cost the same at every size
}

var historyCommands = []historyCommand{
	{"`bake status`", []string{"status"}, true},
	{"`bake history hello` (first page)", []string{"history", "hello"}, true},
	{"`bake promote hello@1.0.0 --to dev --plan`", []string{"promote", "hello@1.0.0", "--to", "dev", "--plan"}, true},
	{"`bake rollback hello --env dev --yes` (to 1.0.0, kept warm)", []string{"rollback", "hello", "--env", "dev", "--yes"}, true},
	{"`bake promote hello@1.1.0 --to dev` (back, kept warm)", []string{"promote", "hello@1.1.0", "--to", "dev"}, true},
	{"`bake verify`", []string{"verify"}, false},
}

// historyLedger is one seeded ledger: where bake.yaml points, and what seeding took.
type historyLedger struct {
	backend string // SQLite or DynamoDB
	size    int
	ledger  string // the ledger: line of bake.yaml
	seeded  time.Duration
}

// historyTable: what the everyday commands cost as the ledger's history
// grows, on one environment whose two releases are kept warm.
func (b *bench) historyTable() string {
	ctx := context.Background()
	dir := filepath.Join(b.work, "history")
	if err := os.RemoveAll(dir); err != nil {
		die("%v", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		die("%v", err)
	}
	b.removeLabelled("label=dev.bake.project=" + historyProject)
	b.atExit(func() { b.removeLabelled("label=dev.bake.project=" + historyProject) })

	// The releases come from the bench project's ledger: the same images,
	// by digest, recorded as bake recorded them.
	releases := b.benchReleases(ctx)

	// The live state every seeded ledger describes: dev runs hello@1.1.0 and
	// keeps 1.0.0 warm. Two real promotes with a ledger of their own make it.
	b.historyYAML(dir, "base.db")
	base := filepath.Join(dir, "base.db")
	seedReleases(ctx, openSQLite(ctx, base), releases)
	b.must("history-promote-1.0.0", dir, b.bake, "promote", "hello@1.0.0", "--to", "dev")
	b.must("history-promote-1.1.0", dir, b.bake, "promote", "hello@1.1.0", "--to", "dev")

	ledgers := b.seedSQLite(ctx, dir, releases)
	if b.motoEndpoint() != "" {
		for _, n := range historySizesDynamo {
			ledgers = append(ledgers, b.seedDynamoDB(ctx, n, releases))
		}
	} else {
		logf("history: moto_server is not installed: DynamoDB not measured")
	}

	// times[ledger index][command index] are the runs that succeeded, in seconds.
	times := make([][][]float64, len(ledgers))
	for li, l := range ledgers {
		b.historyYAML(dir, l.ledger)
		times[li] = make([][]float64, len(historyCommands))
		logf("history: %s, %d records: %d rounds of %d commands", l.backend, l.size, historyRounds, len(historyCommands))
		for r := 1; r <= historyRounds; r++ {
			for ci, c := range historyCommands {
				name := fmt.Sprintf("history-%s-%d-%s-%d", strings.ToLower(l.backend), l.size, c.args[0], r)
				if c.args[0] == "promote" && len(c.args) > 4 {
					name = fmt.Sprintf("history-%s-%d-plan-%d", strings.ToLower(l.backend), l.size, r)
				}
				// Until history pages, history of 100,000 records takes minutes.
				if o := b.bakeOp(name, dir, releaseTimeout, c.args...); o.OK {
					times[li][ci] = append(times[li][ci], o.S())
				}
			}
		}
	}
	b.removeLabelled("label=dev.bake.project=" + historyProject)
	return historyReport(ledgers, times)
}

// historyReport renders the history table and its goals.
func historyReport(ledgers []historyLedger, times [][][]float64) string {
	var t strings.Builder
	fmt.Fprintf(&t, "\n### Cost as history grows: dev with hello@1.1.0 serving and 1.0.0 kept warm, %d of each command at each size\n\n", historyRounds)
	header := "| command |"
	align := "| --- |"
	for _, l := range ledgers {
		header += fmt.Sprintf(" %s %s, median s |", l.backend, thousands(l.size))
		align += " ---: |"
	}
	backends := []string{}
	for _, l := range ledgers {
		if !slices.Contains(backends, l.backend) {
			backends = append(backends, l.backend)
		}
	}
	// ratio columns: the largest size over the smallest, per backend.
	type span struct{ lo, hi int }
	spans := map[string]span{}
	for _, be := range backends {
		lo, hi := -1, -1
		for i, l := range ledgers {
			if l.backend != be {
				continue
			}
			if lo < 0 || l.size < ledgers[lo].size {
				lo = i
			}
			if hi < 0 || l.size > ledgers[hi].size {
				hi = i
			}
		}
		if lo == hi {
			continue // one size: nothing to compare
		}
		spans[be] = span{lo, hi}
		header += fmt.Sprintf(" %s %s / %s |", be, shortSize(ledgers[hi].size), shortSize(ledgers[lo].size))
		align += " ---: |"
	}
	t.WriteString(header + "\n" + align + "\n")
	med := func(li, ci int) float64 {
		if len(times[li][ci]) == 0 {
			return -1
		}
		return round(statsOf(times[li][ci]).Med, 3)
	}
	cell := func(v float64) string {
		if v < 0 {
			return "-"
		}
		return f(v, 3)
	}
	var goals []string
	for ci, c := range historyCommands {
		row := "| " + c.label + " |"
		for li := range ledgers {
			row += " " + cell(med(li, ci)) + " |"
		}
		for _, be := range backends {
			s, ok := spans[be]
			if !ok {
				continue
			}
			r := "-"
			if med(s.lo, ci) > 0 && med(s.hi, ci) >= 0 {
				r = ratio(med(s.hi, ci), med(s.lo, ci))
			}
			row += " " + r + " |"
			if c.goal {
				goals = append(goals, fmt.Sprintf("| %s on %s: %s records / %s records (median over median) | <= 1.5 | %s | %s |",
					c.label, be, thousands(ledgers[s.hi].size), thousands(ledgers[s.lo].size), r, verdict(r, "<=", 1.5)))
			}
		}
		t.WriteString(row + "\n")
		if !c.goal {
			for li, l := range ledgers {
				if l.backend == "SQLite" && l.size == historySizes[len(historySizes)-1] {
					v := cell(med(li, ci))
					goals = append(goals, fmt.Sprintf("| %s of %s records on SQLite | <= 5.000 s | %s s | %s |", c.label, thousands(l.size), v, verdict(v, "<=", 5)))
				}
			}
		}
	}
	seeding := "| seeding the ledger through the Store API (not a goal) |"
	for _, l := range ledgers {
		seeding += fmt.Sprintf(" %.1f |", l.seeded.Seconds())
	}
	for range spans {
		seeding += " |"
	}
	t.WriteString(seeding + "\n")
	fmt.Fprintf(&t, `
Each ledger holds the two releases of hello (and debian's) and N deployment
records of hello in dev: promotes alternating between 1.0.0 and 1.1.0, each a
started record and its succeeded outcome, chained like any other, the last
one 1.1.0, as Docker runs it. The commands run in the table's order, %d rounds;
the rollback and the promote after it switch between the two warm releases
and add 4 records a round. Seeding writes the records one by one through the
ledger's Store API, as bake does (SQLite's sizes grow one ledger, copied at
each size).

Goal: every command but `+"`verify`"+` costs the same with 100,000 records as with
1,000 (it reads what it shows, not all history), and `+"`verify`"+` of 100,000 records
takes under 5 s on SQLite.

| goal | target | measured | verdict |
| --- | --- | --- | --- |
%s
`, historyRounds, strings.Join(goals, "\n"))
	return t.String()
}

// thousands writes n with thousands separators (100,000).
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// shortSize writes 100000 as 100k.
func shortSize(n int) string {
	if n%1000 == 0 {
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

// historyYAML writes the history project's bake.yaml: the bench project's
// images, one environment, and the ledger at ledgerLine.
func (b *bench) historyYAML(dir, ledgerLine string) {
	y := b.readYAML()
	y = regexp.MustCompile(`(?m)^project: .*$`).ReplaceAllString(y, "project: "+historyProject)
	y = regexp.MustCompile(`(?m)^ledger: .*$`).ReplaceAllString(y, fmt.Sprintf("ledger: %q", ledgerLine))
	i := strings.Index(y, "\nenvironments:")
	if i < 0 {
		die("bake.yaml: no environments")
	}
	y = y[:i+1] + fmt.Sprintf(`environments:
  - name: dev
    retention: {previous: warm}
    targets:
      hello: {replicas: 2, listen: %q}
`, historyListen)
	if err := os.WriteFile(filepath.Join(dir, "bake.yaml"), []byte(y), 0o644); err != nil {
		die("%v", err)
	}
	for _, sub := range []string{"templates", "images"} {
		if _, err := os.Stat(filepath.Join(dir, sub)); os.IsNotExist(err) {
			copyDir(filepath.Join(b.dir, sub), filepath.Join(dir, sub))
		}
	}
}
