package main

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/bakehq/bake/internal/frontdoor"
)

// frontDoors are the front doors of the bake under bench: a Caddy per route
// under its state dir, as bake finds it.
func frontDoors() *frontdoor.Caddy {
	return &frontdoor.Caddy{StateDir: frontdoor.UserStateDir()}
}

// setReplicas sets hello's replica count in env.
func (b *bench) setReplicas(env string, n int) {
	var out []string
	in := false
	count := regexp.MustCompile(`replicas: [0-9]+,`)
	for _, line := range strings.Split(b.readYAML(), "\n") {
		if strings.HasPrefix(line, "  - name: ") {
			in = strings.TrimPrefix(line, "  - name: ") == env
		}
		if in && strings.HasPrefix(line, "      hello: {") {
			line = count.ReplaceAllString(line, fmt.Sprintf("replicas: %d,", n))
		}
		out = append(out, line)
	}
	b.writeYAML(strings.Join(out, "\n"))
	cmd := exec.Command(b.bake, "config", "validate")
	cmd.Dir = b.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		die("bake.yaml: could not set %s's replicas to %d: %s", env, n, out)
	}
}

// frontDoorsTable: POSTs under load on dev's front door while another front
// door is created, changes its replica count and is removed, and while
// dev's own replica count changes.
func (b *bench) frontDoorsTable() string {
	type change struct {
		name, what string
		steps      func(note func(string, op))
	}
	step := func(note func(string, op), name string, args ...string) {
		note(name, b.bakeOp("frontdoors-"+name, b.dir, opTimeout, args...))
	}
	changes := []change{
		{"control", "nothing changes (control)", func(func(string, op)) {}},
		{"routes", "qa's front door is created, changes its replica count twice, and is removed", func(note func(string, op)) {
			// qa has no front door yet: its first promote creates one.
			step(note, "qa-created", "promote", "hello@1.0.0", "--to", "qa")
			b.setReplicas("qa", 3)
			step(note, "qa-3-replicas", "promote", "hello@1.1.0", "--to", "qa")
			b.setReplicas("qa", 1)
			step(note, "qa-1-replica", "rollback", "hello", "--env", "qa", "--yes")
			t0 := time.Now()
			err := frontDoors().Remove(context.Background(), "bake-"+project+"-qa-hello")
			o := op{Took: time.Since(t0), OK: err == nil}
			if err != nil {
				b.failed = append(b.failed, fmt.Sprintf("removing qa's front door: %v", err))
			}
			note("qa-removed", o)
			b.setReplicas("qa", b.replicas)
		}},
		{"own", fmt.Sprintf("dev's own replica count changes: 3, 1, then back to %d", b.replicas), func(note func(string, op)) {
			b.setReplicas("dev", 3)
			step(note, "dev-3-replicas", "promote", "hello@1.1.0", "--to", "dev")
			b.setReplicas("dev", 1)
			step(note, "dev-1-replica", "rollback", "hello", "--env", "dev", "--yes")
			b.setReplicas("dev", b.replicas)
			step(note, fmt.Sprintf("dev-%d-replicas", b.replicas), "promote", "hello@1.1.0", "--to", "dev")
			step(note, "dev-rollback", "rollback", "hello", "--env", "dev", "--yes")
		}},
	}
	var rows, goals []string
	for _, c := range changes {
		logf("frontdoors-%s: POSTs under load while %s", c.name, c.what)
		h := b.startHey("frontdoors-"+c.name, "POST", "")
		time.Sleep(pause)
		var ops []string
		t0 := time.Now()
		c.steps(func(name string, o op) { ops = append(ops, fmt.Sprintf("%s %.2fs %s", name, o.S(), okWord(o))) })
		took := time.Since(t0).Seconds()
		time.Sleep(pause)
		s := h.wait(b, true)
		cell := "none"
		if len(ops) > 0 {
			cell = strings.Join(ops, ", ")
		}
		rows = append(rows, fmt.Sprintf("| %s | %s (%.1f s) | %d | %d | %.0f | %s | %s |", c.what, cell, took,
			s.requests, s.failed, s.rps, s.codesCell(), s.errorsCell()))
		if c.name != "control" {
			goals = append(goals, fmt.Sprintf("| failed requests on dev while %s | <= 0 | %d | %s |", c.what, s.failed,
				verdict(strconv.Itoa(s.failed), "<=", 0)))
		}
	}
	// What qa's removed front door leaves behind: its replicas.
	out, _ := exec.Command("docker", "ps", "-aq", "--filter", "label=dev.bake.project="+project, "--filter", "label=dev.bake.env=qa").Output()
	if ids := strings.Fields(string(out)); len(ids) > 0 {
		_ = exec.Command("docker", append([]string{"rm", "-f"}, ids...)...).Run()
	}
	return fmt.Sprintf(`
### Zero downtime while other front doors change: `+"`hey -c %d -m POST -d ping %s/healthz`"+`

Each front door is a Caddy process of its own, so another front door's
creation, change or removal never touches dev's; a replica-count change is a
switch of upstream files like any other.

| while | commands (wall time of all) | requests | failed | requests/s | status codes | errors |
| --- | --- | ---: | ---: | ---: | --- | ---: |
%s

| goal | target | measured | verdict |
| --- | --- | --- | --- |
%s
`, loadWorkers, frontDoor, strings.Join(rows, "\n"), strings.Join(goals, "\n"))
}
