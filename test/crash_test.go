package e2e

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/engine"
)

// killPoint is where a crash test kills bake: right after it printed the
// nth line matching line (any stream), or right after it started (line nil).
type killPoint struct {
	name string
	line *regexp.Regexp
	nth  int
	// reported: the operation holds the lock at this point for long enough
	// that the kill always lands before it finishes.
	reported bool
	// lands is the release dev must run after recovery when the kill is
	// sure to land on one side of the switch: "before" (bake cannot have
	// switched yet) or "after" (it printed the switch); "" when it may
	// land on either, and what the front door served decides.
	lands string
	// fresh removes the kept replicas of the release the operation brings
	// in first, so that it creates new ones ("started", not "restarted").
	fresh bool
}

// crashPoints are the kill points of a promote or rollback of svc in dev,
// whose first line matches first and whose last line (stdout) matches last.
func crashPoints(first, last string) []killPoint {
	re := regexp.MustCompile
	return []killPoint{
		{name: "right after start", lands: "before"},
		{name: "first line", line: re(first), nth: 1},
		{name: "first replica started", line: re(`started bake-`), nth: 1, reported: true, fresh: true},
		{name: "second replica started", line: re(`started bake-`), nth: 2, reported: true},
		{name: "first replica healthy", line: re(` is healthy$`), nth: 1, reported: true, fresh: true},
		{name: "second replica healthy", line: re(` is healthy$`), nth: 2, reported: true},
		{name: "switched", line: re(`^switched `), nth: 1, reported: true, lands: "after"},
		// Old replicas stop side by side: the operation may end before a
		// kill after the first one lands.
		{name: "first old replica stopped", line: re(`^stopped `), nth: 1, lands: "after"},
		{name: "second old replica stopped", line: re(`^stopped `), nth: 2, lands: "after"},
		{name: "final line", line: re(last), nth: 1, lands: "after"},
	}
}

// TestCrashRecovery kills bake with SIGKILL at every point of a promote
// (1.0.0 -> 1.1.0 in dev) and of a rollback (1.1.0 -> 1.0.0), alternating,
// in one project. After each kill, `bake status` (and twice the next
// promote) reports the interrupted operation, `bake recover dev` converges,
// and the Docker engine and the front door agree with the record: exactly
// the recorded release's replicas run and serve, the other release has
// only stopped replicas kept for rollback, status --check is clean, the
// lock is free, and the history records the interrupted operation's outcome.
func TestCrashRecovery(t *testing.T) {
	t.Parallel()
	start := time.Now()
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	p.release(t, "1.1.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")

	type op struct {
		kind, from, to string
		args           []string
		points         []killPoint
	}
	ops := []op{
		{kind: "promote", from: "1.0.0", to: "1.1.0", args: []string{"promote", "svc@1.1.0", "--to", "dev"},
			points: crashPoints(`^promoting svc@1\.1\.0`, `^promoted svc in dev to 1\.1\.0`)},
		{kind: "rollback", from: "1.1.0", to: "1.0.0", args: []string{"rollback", "svc", "--env", "dev", "--yes"},
			points: crashPoints(`^rolling back svc in "dev"`, `^rolled back svc in dev to 1\.0\.0`)},
	}
	lastID := maxDeploymentID(history(t, p, "dev"))
	for i := range ops[0].points {
		for _, o := range ops {
			pt := o.points[i]
			t.Run(o.kind+"/"+strings.ReplaceAll(pt.name, " ", "-"), func(t *testing.T) {
				if cur := envStatusOf(t, p, "dev").Version; cur != o.from {
					mustBake(t, p.Dir, "promote", "svc@"+o.from, "--to", "dev")
				}
				if pt.fresh {
					// Without kept replicas the operation creates new ones,
					// which recovery must remove if they do not serve.
					removeStoppedReplicas(t, p, o.to)
				}
				out := runAndKill(t, p.Dir, pt, o.args...)
				t.Logf("killed after %q:\n%s", pt.name, out)

				status := mustBake(t, p.Dir, "status")
				reported := strings.Contains(status.stdout, "interrupted: svc in dev:")
				if reported {
					assert.Contains(t, status.stdout, "run `bake recover dev`")
					assert.Contains(t, status.stdout, o.kind+" svc@"+o.to)
				} else {
					assert.False(t, pt.reported, "status does not report the interrupted %s:\n%s", o.kind, status.stdout)
				}
				// What recovery found the front door serving decides what it
				// converges to: the interrupted release if only its healthy
				// replicas served, else the recorded one.
				recovery, promotedOther := "", false
				if reported && (pt.name == "first replica healthy" || pt.name == "first old replica stopped") {
					// The next promote of another version reports and converges first.
					res := mustBake(t, p.Dir, "promote", "svc@"+o.from, "--to", "dev")
					assert.Contains(t, res.stderr, "interrupted: "+o.kind+" svc@"+o.to)
					recovery, promotedOther = res.stderr, true
				}
				rec := mustBake(t, p.Dir, "recover", "dev")
				t.Logf("recover:\n%s%s", rec.stdout, rec.stderr)
				if recovery == "" {
					recovery = rec.stderr
				}
				served := ""
				if m := stateLeft.FindStringSubmatch(recovery); m != nil {
					served = m[1]
				}
				if pt.lands == "after" && served != "" {
					assert.Equal(t, o.to, served, "the front door served the new release after the switch")
				}

				want := assertConsistent(t, p)
				switch {
				case promotedOther:
					assert.Equal(t, o.from, want, "dev runs what the promote after the interruption brought in")
				case served == o.to:
					assert.Equal(t, o.to, want, "recovery finished the interrupted %s, whose release served", o.kind)
				case served != "":
					assert.Equal(t, o.from, want, "recovery went back to the recorded release")
				case pt.lands == "before":
					assert.Equal(t, o.from, want, "dev runs the release from before the interrupted %s", o.kind)
				case pt.lands == "after":
					assert.Equal(t, o.to, want, "dev runs the release the interrupted %s brought in", o.kind)
				}
				mustBake(t, p.Dir, "status", "--check")

				h := history(t, p, "dev")
				for _, d := range h.Deployments {
					assert.NotEqual(t, "started", d.Outcome, "deployment %d has no outcome", d.ID)
				}
				// A kill after the lock was taken but before the start was
				// recorded leaves only the lock: there is no outcome to record.
				if reported && !strings.Contains(status.stdout, "before it recorded anything") {
					newer := slices.IndexFunc(h.Deployments, func(d deployment) bool {
						return d.ID > lastID && d.Kind == o.kind && d.Version == o.to &&
							(d.Outcome == "succeeded" || d.Outcome == "failed")
					})
					assert.GreaterOrEqual(t, newer, 0, "history has no outcome of the interrupted %s: %+v", o.kind, h.Deployments)
					if strings.Contains(status.stdout, "before it recorded an outcome") {
						outcome := "failed"
						if served == o.to {
							outcome = "succeeded"
						}
						assert.True(t, slices.ContainsFunc(h.Deployments, func(d deployment) bool {
							return d.ID > lastID && d.Kind == o.kind && d.Version == o.to && d.Outcome == outcome &&
								strings.Contains(d.Reason, "interrupted")
						}), "history records the interrupted %s as %s: %+v", o.kind, outcome, h.Deployments)
					}
				}
				lastID = maxDeploymentID(h)
				// A kill never leaves a record without its link, or a link without its record.
				mustBake(t, p.Dir, "verify")

				// The lock is free: a promote of what runs takes it and changes nothing.
				res := mustBake(t, p.Dir, "promote", "svc@"+want, "--to", "dev")
				assert.Contains(t, res.stdout, "dev already runs svc@"+want)
			})
		}
	}
	t.Logf("%d kill points in %s", 2*len(ops[0].points), time.Since(start).Round(time.Second))
}

// runAndKill runs bake and kills it with SIGKILL at pt; it returns what
// bake printed, both streams interleaved.
func runAndKill(t *testing.T, dir string, pt killPoint, args ...string) string {
	t.Helper()
	var at func(string) bool
	if pt.line != nil {
		seen := 0
		at = func(line string) bool {
			if pt.line.MatchString(line) {
				seen++
			}
			return seen == pt.nth
		}
	}
	_, out := runActing(t, dir, at, func(p *os.Process) string {
		_ = p.Kill() // SIGKILL; an error means it exited already
		return "--- SIGKILL"
	}, args...)
	return out
}

// assertConsistent checks dev against the Docker engine and the front door
// and returns the version the record says it runs: exactly two running
// replicas, all of that version; replicas of any other version stopped, at
// most two (kept for rollback); the front door sending traffic to exactly
// the running replicas; and a GET answering that version.
func assertConsistent(t *testing.T, p *project) string {
	t.Helper()
	version := envStatusOf(t, p, "dev").Version
	require.NotEmpty(t, version, "dev runs a recorded release")

	ctx := context.Background()
	eng, err := engine.Connect(ctx)
	require.NoError(t, err)
	defer eng.Close()
	list, err := eng.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: client.Filters{}.Add("label",
		"dev.bake.project="+p.Name, "dev.bake.env=dev", "dev.bake.kind=replica")})
	require.NoError(t, err)
	var running []string
	others := map[string]int{}
	for _, c := range list.Items {
		v := c.Labels[engine.LabelVersion]
		if v != version {
			others[v]++
			assert.NotEqual(t, container.StateRunning, c.State, "replica %v of %s runs next to %s", c.Names, v, version)
			continue
		}
		if c.State != container.StateRunning {
			continue
		}
		for _, port := range c.Ports {
			if port.PublicPort != 0 && port.IP.IsLoopback() {
				running = append(running, fmt.Sprintf("127.0.0.1:%d", port.PublicPort))
			}
		}
	}
	assert.Len(t, running, 2, "running replicas of %s", version)
	for v, n := range others {
		assert.LessOrEqual(t, n, 2, "replicas of %s kept besides %s", v, version)
	}

	fd := frontDoors()
	ups, err := fd.Upstreams(ctx, "bake-"+p.Name+"-dev-svc")
	require.NoError(t, err)
	slices.Sort(ups)
	ups = slices.Compact(ups)
	slices.Sort(running)
	assert.Equal(t, running, ups, "the front door sends traffic to exactly the running replicas of %s", version)
	assertServes(t, p, "dev", version)
	return version
}

// removeStoppedReplicas removes dev's stopped replicas of version.
func removeStoppedReplicas(t *testing.T, p *project, version string) {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.Connect(ctx)
	require.NoError(t, err)
	defer eng.Close()
	list, err := eng.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: client.Filters{}.Add("label",
		"dev.bake.project="+p.Name, "dev.bake.env=dev", "dev.bake.kind=replica", "dev.bake.version="+version)})
	require.NoError(t, err)
	for _, c := range list.Items {
		require.NotEqual(t, container.StateRunning, c.State, "replica %v of %s runs", c.Names, version)
		require.NoError(t, engine.Remove(ctx, eng, c.ID))
	}
}

// stateLeft reads, from bake's report of an interrupted operation, the
// release the front door sent all traffic to.
var stateLeft = regexp.MustCompile(`state left: the front door sends traffic to 2 replica\(s\) of (\S+);`)

func maxDeploymentID(h historyDoc) int64 {
	var id int64
	for _, d := range h.Deployments {
		id = max(id, d.ID)
	}
	return id
}
