package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// canaryBadRounds promotes of the 5%-error release, and canaryGoodRounds
// canaries of good releases, each under load.
const (
	canaryBadRounds  = 10
	canaryGoodRounds = 20
)

// badCanary is what one promote of the 5%-error release did to users.
type badCanary struct {
	exit             int
	took             float64 // s, the promote from start to exit
	requests, failed int     // sent while the promote ran (CSV half), and their 500s
	stepFailures     int     // failures other than the svc's 500s (summary half, whole run)
	exposed, toExit  float64 // s from the first 500 sent to the end of the last one, and to bake's exit
}

// goodCanaries is what canaryGoodRounds promotes of good releases did.
type goodCanaries struct {
	took         []float64 // s, of those that completed
	aborted      []string  // the logs of those that aborted
	requests     int
	stepFailures int // every failure: a good release answers no 500
}

// canaryTable: the canary's analysis against a release that fails 5% of
// its requests and against good ones, as users behind the front door see it.
func (b *bench) canaryTable() string {
	dir := filepath.Join(b.work, "canary")
	b.canarySetup(dir)
	var bad []badCanary
	for i := 1; i <= canaryBadRounds; i++ {
		bad = append(bad, b.badCanary(dir, i))
	}
	return canaryReport(bad, b.goodCanaries(dir))
}

// badCanary promotes svc@1.1.0 (FAIL_RATE=0.05) into dev, which runs 1.0.0.
func (b *bench) badCanary(dir string, round int) badCanary {
	name := fmt.Sprintf("canary-bad-%d", round)
	logf("%s: promote svc@1.1.0 (5%% errors) under load", name)
	summary, csv := b.canaryHey(name+"-summary", false), b.canaryHey(name+"-csv", true)
	time.Sleep(time.Second)
	t0 := time.Now()
	o, exit := b.timedExits(name, dir, opTimeout, []int{0, 1}, b.bake, "promote", "svc@1.1.0", "--to", "dev")
	t1 := time.Now()
	time.Sleep(time.Second)
	responses := csv.stopCSV()
	s := summary.wait(b, true)
	r := badCanary{exit: exit, took: o.S(), stepFailures: s.failed - codeCount(s, 500)}
	var first, last time.Time
	for _, resp := range responses {
		if resp.at.Before(t0) || resp.at.After(t1) {
			continue
		}
		r.requests++
		if resp.status != 500 {
			continue
		}
		r.failed++
		if first.IsZero() {
			first = resp.at
		}
		if end := resp.at.Add(resp.took); end.After(last) {
			last = end
		}
	}
	r.exposed, r.toExit = -1, -1
	if !first.IsZero() {
		r.exposed, r.toExit = last.Sub(first).Seconds(), t1.Sub(first).Seconds()
	}
	if exit == 0 {
		// It went through: put dev back on the good release for the next round.
		b.bakeOp(name+"-back", dir, opTimeout, "promote", "svc@1.0.0", "--to", "dev")
	}
	return r
}

// goodCanaries alternates canaries of 1.2.0 and 1.0.0 under one load.
func (b *bench) goodCanaries(dir string) goodCanaries {
	logf("canary: %d canaries of good releases under load", canaryGoodRounds)
	load := b.canaryHey("canary-good", false)
	time.Sleep(time.Second)
	var g goodCanaries
	current := "1.0.0"
	for i := 1; i <= canaryGoodRounds; i++ {
		next := map[string]string{"1.0.0": "1.2.0", "1.2.0": "1.0.0"}[current]
		name := fmt.Sprintf("canary-good-%d", i)
		o, exit := b.timedExits(name, dir, opTimeout, []int{0, 1}, b.bake, "promote", "svc@"+next, "--to", "dev")
		switch {
		case exit == 0:
			g.took = append(g.took, o.S())
			current = next
		case exit == 1:
			g.aborted = append(g.aborted, o.Log)
			logf("%s: the canary of good svc@%s aborted; see %s", name, next, o.Log)
		}
	}
	s := load.wait(b, true)
	g.requests, g.stepFailures = s.requests, s.failed
	return g
}

// codeCount is how many responses of status code hey's summary counted.
func codeCount(s heySummary, code int) int {
	for _, c := range s.codes {
		if k, v, ok := strings.Cut(c, ":"); ok && k == strconv.Itoa(code) {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}
