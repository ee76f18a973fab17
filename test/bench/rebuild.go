package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// rebuildRounds is how many releases each way of building makes.
const rebuildRounds = 3

// goCacheMount is the line of the go-service template that gives its go
// build a cache mount; the legacy builder has no cache mounts, so it builds
// the template without it, as before BuildKit.
const goCacheMount = "RUN --mount=type=cache,id=go-build,target=/root/.cache/go-build \\\n    "

var (
	serviceMessage = regexp.MustCompile(`(?m)^\tmessage = ".*"$`)
	// goBuildStep is the go build's step in BuildKit's output: its number
	// and, on a later line, how long it took.
	goBuildStep = regexp.MustCompile(`(?m)^#(\d+) \[build \d+/\d+\] RUN --mount=type=cache[^\n]*go build`)
)

// rebuildTable: releasing hello after a one-line change to its source, as CI
// does after a merge, with the engine's legacy builder, and with BuildKit
// cold (an empty Go build cache, as on a new CI machine) and warm (the cache
// mount holds what the previous release compiled).
func (b *bench) rebuildTable() string {
	mainGo := filepath.Join(b.dir, "images", "hello", "main.go")
	tmplPath := filepath.Join(b.dir, "templates", "docker", "go-service", "Dockerfile.tmpl")
	yaml, tmpl, src := b.readYAML(), readFile(tmplPath), readFile(mainGo)
	if !strings.Contains(tmpl, goCacheMount) || !serviceMessage.MatchString(src) {
		die("the go-service template or hello's main.go is not what the rebuild bench changes: update test/bench/rebuild.go")
	}
	commit := func(msg string) {
		b.output(b.dir, "git", "add", "-A")
		b.output(b.dir, "git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-qm", msg)
	}
	restore := func() {
		b.writeYAML(yaml)
		writeFile(tmplPath, tmpl)
		writeFile(mainGo, src)
	}
	b.atExit(restore)

	n := b.lastPatch("hello", "2.0.")
	// release changes one line of the service (the default message, a
	// string the binary holds), commits it and releases hello 2.0.N.
	release := func(name string) op {
		n++
		writeFile(mainGo, serviceMessage.ReplaceAllString(readFile(mainGo), fmt.Sprintf("\tmessage = \"hello, change %d\"", n)))
		commit(fmt.Sprintf("fix: hello says change %d", n))
		return b.bakeOp(name, b.dir, buildTimeout, "release", "hello", "--version", fmt.Sprintf("2.0.%d", n))
	}
	type way struct {
		label    string
		setup    func(round int) // before each round's change
		releases []float64
		compiles []float64
	}
	stamp := time.Now().UTC().Format("20060102150405")
	ways := []*way{
		{label: "legacy builder (`builder: legacy`; the template without its cache mount)", setup: func(int) {
			b.writeYAML(yaml + "builder: legacy\n")
			writeFile(tmplPath, strings.Replace(tmpl, goCacheMount, "RUN ", 1))
		}},
		{label: "BuildKit, cold: an empty Go build cache", setup: func(round int) {
			b.writeYAML(yaml)
			// A cache of its own for this round: empty, as on a new machine.
			writeFile(tmplPath, strings.Replace(tmpl, "id=go-build,", fmt.Sprintf("id=go-build-bench-%s-%d,", stamp, round), 1))
		}},
		{label: "BuildKit, warm: the cache mount holds the previous release's", setup: func(int) {
			b.writeYAML(yaml)
			writeFile(tmplPath, tmpl)
		}},
	}
	for _, w := range ways {
		// One release first, not measured, so that every measured one
		// finds the layers before the change (the apt-get layer) cached.
		w.setup(0)
		if o := release("rebuild-warmup-" + strconv.Itoa(n+1)); !o.OK {
			continue
		}
		for i := 1; i <= rebuildRounds; i++ {
			logf("rebuild: %s, round %d/%d", w.label, i, rebuildRounds)
			w.setup(i)
			o := release(fmt.Sprintf("rebuild-%d", n+1))
			if !o.OK {
				continue
			}
			w.releases = append(w.releases, round(o.S(), 3))
			if s, ok := goBuildSeconds(o); ok {
				w.compiles = append(w.compiles, s)
			}
		}
	}
	restore()
	commit("chore: the bench project as it was")

	legacy, cold, warm := statsOf(ways[0].releases), statsOf(ways[1].releases), statsOf(ways[2].releases)
	var t strings.Builder
	fmt.Fprintf(&t, "\n### Rebuilding: `bake release hello` after a one-line change to the service, %d releases each way\n\n", rebuildRounds)
	t.WriteString("| builder | release: median s | min s | max s | ok | each release, s | go build step, each s | legacy / this (medians) |\n")
	t.WriteString("| --- | ---: | ---: | ---: | ---: | --- | --- | ---: |\n")
	for k, w := range ways {
		s := []stats{legacy, cold, warm}[k]
		compiles := "-"
		if len(w.compiles) > 0 {
			compiles = each(w.compiles, 1)
		}
		fmt.Fprintf(&t, "| %s | %s | %s | %s | %d/%d | %s | %s | %s |\n", w.label, s.med(2), s.min(2), s.max(2),
			len(w.releases), rebuildRounds, each(w.releases, 2), compiles, ratio(legacy.Med, s.Med))
	}
	vsLegacy, coldWarm := "-", "-"
	if len(ways[0].releases) > 0 && len(ways[2].releases) > 0 {
		vsLegacy = ratio(legacy.Med, warm.Med)
	}
	if len(ways[1].releases) > 0 && len(ways[2].releases) > 0 {
		coldWarm = ratio(cold.Med, warm.Med)
	}
	fmt.Fprintf(&t, `
| goal | target | measured | verdict |
| --- | --- | --- | --- |
| a release after a one-line change at least 3x faster with BuildKit (warm) than with the legacy builder (median over median) | >= 3 | %s | %s |
| cold over warm BuildKit release (median over median; what the Go build cache saves) | - | %s | - |

Each release builds (the layers before the change come from the build
cache: debian's apt-get install of golang-go), validates in the sandbox,
pushes and records. The legacy builder compiles the service and Go's
standard library every time: Debian's Go ships no compiled standard library.
With BuildKit the go build step has a cache mount for Go's build cache, so
after a change it compiles the changed package and links; cold, the cache
is empty and it compiles everything, as the legacy builder does. The go
build step's time is BuildKit's own (its "DONE" line); the legacy builder
does not time steps.
`, xfold(vsLegacy), verdict(vsLegacy, ">=", 3), xfold(coldWarm))
	return t.String()
}

// lastPatch is the highest K of the releases PREFIXK of image (0 for
// none), so that a rerun on the same project (-reuse-project) releases
// versions of its own.
func (b *bench) lastPatch(image, prefix string) int {
	var h struct {
		Releases []struct {
			Version string `json:"version"`
		} `json:"releases"`
	}
	if err := json.Unmarshal([]byte(b.output(b.dir, b.bake, "history", image, "-o", "json")), &h); err != nil {
		die("bake history %s -o json: %v", image, err)
	}
	last := 0
	for _, r := range h.Releases {
		if k, err := strconv.Atoi(strings.TrimPrefix(r.Version, prefix)); err == nil && strings.HasPrefix(r.Version, prefix) && k > last {
			last = k
		}
	}
	return last
}

// goBuildSeconds is how long BuildKit says the go build step took.
func goBuildSeconds(o op) (float64, bool) {
	data, _ := os.ReadFile(o.Log)
	m := goBuildStep.FindSubmatch(data)
	if m == nil {
		return 0, false
	}
	done := regexp.MustCompile(`(?m)^#` + string(m[1]) + ` DONE ([0-9.]+)s$`).FindSubmatch(data)
	if done == nil {
		return 0, false
	}
	s, err := strconv.ParseFloat(string(done[1]), 64)
	return s, err == nil
}

func readFile(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		die("%v", err)
	}
	return string(data)
}

func writeFile(path, content string) {
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		die("%v", err)
	}
}
