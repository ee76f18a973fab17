package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os/exec"
	"strings"
	"time"
)

// poller asks like curl does: a new connection each time, at most 1 s.
var poller = &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// answers reports whether url answers 200 (with want in its body, unless want is empty).
func answers(url, want string) bool {
	resp, err := poller.Get(url)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if want == "" {
		return resp.StatusCode == http.StatusOK
	}
	return strings.Contains(string(body), want)
}

// switchOp runs a promote or rollback to version like timed, and also
// measures the seconds until dev's front door answered with version (NaN
// when it never did).
func (b *bench) switchOp(name, version string, args ...string) (op, float64) {
	served := make(chan float64, 1)
	ctx, cancel := context.WithCancel(context.Background())
	t0 := time.Now()
	go func() {
		want := `"version":"` + version + `"`
		deadline := t0.Add(opTimeout)
		for ctx.Err() == nil && time.Now().Before(deadline) {
			if answers(frontDoor+"/healthz", want) {
				served <- time.Since(t0).Seconds()
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		served <- math.NaN()
	}()
	o := b.bakeOp(name, b.dir, opTimeout, args...)
	// Once the command has returned, the front door should already answer
	// with version: give the watcher a few seconds at most.
	if !o.OK {
		cancel()
	} else {
		time.AfterFunc(5*time.Second, cancel)
	}
	s := <-served
	cancel()
	if o.OK && math.IsNaN(s) {
		b.failed = append(b.failed, fmt.Sprintf("%s: succeeded, but %s/healthz did not answer with %s within 5 s after", name, frontDoor, version))
	}
	return o, s
}

// switchTable: promote and rollback one after the other, against the floor
// of one container started by hand.
func (b *bench) switchTable() string {
	var promote, rollback []op
	var promoteServed, rollbackServed []float64
	for i := 1; i <= rounds; i++ {
		logf("round %d/%d: promote hello@1.1.0, then roll back", i, rounds)
		o, s := b.switchOp(fmt.Sprintf("promote-%d", i), "1.1.0", "promote", "hello@1.1.0", "--to", "dev")
		promote = append(promote, o)
		promoteServed = appendMeasured(promoteServed, s)
		o, s = b.switchOp(fmt.Sprintf("rollback-%d", i), "1.0.0", "rollback", "hello", "--env", "dev", "--yes")
		rollback = append(rollback, o)
		rollbackServed = appendMeasured(rollbackServed, s)
	}
	var floor []float64
	for i := 1; i <= rounds; i++ {
		logf("floor %d/%d: docker run + first 200", i, rounds)
		floor = append(floor, b.floorOnce())
	}

	p, r := seconds(promote), seconds(rollback)
	fl := statsOf(floor)
	row := func(label string, v []float64) string {
		s := statsOf(v)
		return fmt.Sprintf("| %s | %s | %s | %s | %d/%d | %s | %s |", label, s.med(2), s.min(2), s.max(2),
			len(v), rounds, each(v, 2), ratio(round(s.Med, 2), round(fl.Med, 2)))
	}
	var t strings.Builder
	fmt.Fprintf(&t, "### Switch time: dev, %d replicas, %d of each, alternating\n\n", b.replicas, rounds)
	t.WriteString("| operation | median s | min s | max s | ok | each run, s | median / floor |\n")
	t.WriteString("| --- | ---: | ---: | ---: | ---: | --- | ---: |\n")
	t.WriteString(row("`bake promote hello@1.1.0 --to dev`", p) + "\n")
	t.WriteString(row("`bake rollback hello --env dev`", r) + "\n")
	t.WriteString(row("promote: until the front door answers 1.1.0", promoteServed) + "\n")
	t.WriteString(row("rollback: until the front door answers 1.0.0", rollbackServed) + "\n")
	fmt.Fprintf(&t, "| floor: `docker run` one container, poll /healthz to the first 200 | %s | %s | %s | %d/%d | %s | 1.0 |\n",
		fl.med(2), fl.min(2), fl.max(2), len(floor), rounds, each(floor, 2))
	promoteFloor := ratio(round(statsOf(p).Med, 2), round(fl.Med, 2))
	fmt.Fprintf(&t, `
| goal | target | measured | verdict |
| --- | --- | --- | --- |
| promote wall time at most 2x the floor (median over median; the replaced replicas are drained until the front door has no request in flight to them, then stopped) | <= 2.0 | %s | %s |
`, xfold(promoteFloor), verdict(promoteFloor, "<=", 2))
	return t.String()
}

// round rounds v to d decimals, as the tables show it.
func round(v float64, d int) float64 {
	p := math.Pow(10, float64(d))
	return math.Round(v*p) / p
}

func appendMeasured(v []float64, s float64) []float64 {
	if math.IsNaN(s) {
		return v
	}
	return append(v, s)
}

// floorOnce returns the seconds from `docker run` of hello@1.1.0 to the
// first 200 from /healthz on the port Docker published.
func (b *bench) floorOnce() float64 {
	t0 := time.Now()
	out, err := exec.Command("docker", "run", "-d", "--label", "dev.bake.project="+project,
		"--label", "dev.bake.kind=bench-floor", "-p", "127.0.0.1::8080", b.ref).Output()
	if err != nil {
		die("floor: docker run %s: %v", b.ref, err)
	}
	id := strings.TrimSpace(string(out))
	defer func() { _ = exec.Command("docker", "rm", "-f", id).Run() }()
	out, err = exec.Command("docker", "port", id, "8080/tcp").Output()
	if err != nil {
		die("floor: docker port: %v", err)
	}
	addr := strings.TrimSpace(strings.Split(string(out), "\n")[0])
	port := addr[strings.LastIndex(addr, ":")+1:]
	deadline := t0.Add(opTimeout)
	for !answers("http://127.0.0.1:"+port+"/healthz", "") {
		if time.Now().After(deadline) {
			die("floor: the container never answered 200 on /healthz")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(t0).Seconds()
}

// keepTable: rollback by what dev keeps of the replaced release.
func (b *bench) keepTable() string {
	keeps := []string{"warm", "stopped", "removed"}
	promotes := map[string][]float64{}
	rollbacks := map[string][]float64{}
	served := map[string][]float64{}
	for _, keep := range keeps {
		b.setDev(keep, "")
		logf("retention %s: one promote and rollback to settle, then %d of each", keep, rounds)
		b.bakeOp("keep-"+keep+"-settle-promote", b.dir, opTimeout, "promote", "hello@1.1.0", "--to", "dev")
		b.bakeOp("keep-"+keep+"-settle-rollback", b.dir, opTimeout, "rollback", "hello", "--env", "dev", "--yes")
		for i := 1; i <= rounds; i++ {
			if o := b.bakeOp(fmt.Sprintf("keep-%s-promote-%d", keep, i), b.dir, opTimeout, "promote", "hello@1.1.0", "--to", "dev"); o.OK {
				promotes[keep] = append(promotes[keep], round(o.S(), 3))
			}
			o, s := b.switchOp(fmt.Sprintf("keep-%s-rollback-%d", keep, i), "1.0.0", "rollback", "hello", "--env", "dev", "--yes")
			if o.OK {
				rollbacks[keep] = append(rollbacks[keep], round(o.S(), 3))
			}
			served[keep] = appendMeasured(served[keep], s)
		}
	}
	b.setDev("stopped", "")

	cold := statsOf(promotes["removed"]).Med
	var t strings.Builder
	fmt.Fprintf(&t, "\n### Rollback by what dev keeps of the replaced release (`retention.previous`), %d of each\n\n", rounds)
	t.WriteString("| dev keeps | promote median s | each promote, s | rollback median s | min s | max s | each rollback, s | rollback: until the front door answers 1.0.0, median s | rollback / promote that starts new replicas |\n")
	t.WriteString("| --- | ---: | --- | ---: | ---: | ---: | --- | ---: | ---: |\n")
	warm := "-"
	for _, keep := range keeps {
		r := statsOf(rollbacks[keep])
		if keep == "warm" && len(rollbacks[keep]) > 0 {
			warm = r.med(3)
		}
		fmt.Fprintf(&t, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", keep, statsOf(promotes[keep]).med(3), each(promotes[keep], 3),
			r.med(3), r.min(3), r.max(3), each(rollbacks[keep], 3), statsOf(served[keep]).med(2), ratio(round(r.Med, 3), round(cold, 3)))
	}
	third := f(cold/3, 3)
	fmt.Fprintf(&t, `
The promote is `+"`bake promote hello@1.1.0 --to dev`"+`, the rollback `+"`bake rollback\nhello --env dev`"+`, each timed from start to exit. With `+"`removed`"+`, every promote
starts new replicas (those of 1.1.0 went when dev rolled back from it): that
promote, median %s s, is the one a rollback is held against.

| goal | target | measured | verdict |
| --- | --- | --- | --- |
| `+"`warm`"+` rollback under 1 second (median) | <= 1.000 s | %s s | %s |
| `+"`warm`"+` rollback under a third of a promote that starts new replicas (median) | <= %s s | %s s | %s |
`, f(cold, 3), warm, verdict(warm, "<=", 1), third, warm, verdict(warm, "<=", round(cold/3, 3)))
	return t.String()
}
