package main

import (
	"fmt"
	"math"
	"runtime"
	"strings"
)

// kubeLoad is how busy the machine was while the table ran.
type kubeLoad struct {
	before, after string  // load averages over 1, 5 and 15 minutes
	took          float64 // s, the whole table, its setup included
}

var kubeLabels = map[string]string{
	"first":            "first `bake promote svc@1.0.0` (creates the namespace, the Deployment and the Service)",
	"next-stopped":     "`bake promote svc@1.1.0`, the replaced release kept stopped (scaled to zero)",
	"next-warm":        "`bake promote svc@1.1.0`, the replaced release kept warm",
	"rollback-stopped": "`bake rollback svc` to the stopped 1.0.0 (scaled up, waited for)",
	"rollback-warm":    "`bake rollback svc` to the warm 1.0.0 (the Service's selector only)",
}

// kubeReport renders the kubernetes table.
func kubeReport(samples map[string][]kubeSample, floors []float64, load kubeLoad) string {
	var t strings.Builder
	fmt.Fprintf(&t, `
### Kubernetes: a Deployment per release behind a Service, on the test cluster

The test cluster of scripts/services.sh: a real API server, controller manager
and scheduler (v1.34), with kwok's two nodes in place of kubelets. svc (the e2e
tests' service, FROM scratch) runs as %d replicas, blue-green. Each of %d rounds
has two environments, each in a new namespace: one keeps the replaced release
stopped, the other warm; in each, svc@1.0.0 is promoted (the first promote),
then svc@1.1.0, then rolled back to 1.0.0. The API calls are what bake itself
reports at the end of every run ("kubernetes: N API calls (...)"), every
request to the API server counted. "Service selects" runs from the start of the
command until a watch of the Service (client-go, opened before the command
starts) sees its selector name the release; the command goes on to record the
deployment and retire the replaced release. The floor is `+"`kubectl apply -f`"+`
of a Deployment with the spec of bake's svc-v1-1-0 (the same replicas and pod
template, readiness probe included) into a namespace of its own, then `+"`kubectl\nrollout status`"+` until it is available: two kubectl processes, timed together,
once per round between the two environments. Ratios are taken round by round
(each run over its round's floor): median, then min-max.

kwok starts no container: it marks each scheduled pod running and ready, so no
image is pulled, no process starts and no readiness probe is sent (pod IPs are
fake and never contacted). These times are the API choreography alone: bake's
requests, the deployment and replica set controllers, the scheduler and kwok's
status writes. On a real cluster the image pull and the application's start add
the same time to a promote and to the floor, so the ratios move toward 1; a
rollback to a warm release waits for no pod and stays where it is.

| operation | API calls, median | each run | Service selects, median s | min-max s | command, median s | selects / floor | command / floor |
| --- | ---: | --- | ---: | --- | ---: | --- | --- |
`, kubeReplicas, kubeRounds)
	for _, key := range kubeOps {
		v := samples[key]
		var calls, selects, took, selRatio, tookRatio []float64
		var runs []string
		for _, s := range v {
			if s.calls < 0 {
				runs = append(runs, "-")
			} else {
				runs = append(runs, fmt.Sprint(s.calls))
				calls = append(calls, float64(s.calls))
			}
			if math.IsNaN(s.selects) {
				continue
			}
			selects, took = append(selects, s.selects), append(took, s.took)
			if fl := floorOf(floors, s.round); fl > 0 {
				selRatio, tookRatio = append(selRatio, s.selects/fl), append(tookRatio, s.took/fl)
			}
		}
		eachCalls := "-"
		if len(runs) > 0 {
			eachCalls = strings.Join(runs, " ")
		}
		sel := statsOf(selects)
		fmt.Fprintf(&t, "| %s | %s | %s | %s | %s-%s | %s | %s | %s |\n", kubeLabels[key], statsOf(calls).med(0), eachCalls,
			sel.med(2), sel.min(2), sel.max(2), statsOf(took).med(2), spread(selRatio, 1), spread(tookRatio, 1))
	}
	var measured []float64
	for _, fl := range floors {
		measured = appendMeasured(measured, fl)
	}
	fl := statsOf(measured)
	fmt.Fprintf(&t, "| floor: `kubectl apply -f` the same Deployment + `kubectl rollout status` | - | - | %s | %s-%s | %s | 1.0 | 1.0 |\n",
		fl.med(2), fl.min(2), fl.max(2), fl.med(2))
	fmt.Fprintf(&t, "\nThe floor's runs, s: %s.\n\nThe calls of the run whose count is the median:\n\n", each(measured, 2))
	for _, key := range kubeOps {
		if s, ok := medianSample(samples[key]); ok {
			fmt.Fprintf(&t, "- %s: %d (%s)\n", kubeLabels[key], s.calls, s.detail)
		}
	}
	var early []string
	for _, key := range kubeOps {
		for _, s := range samples[key] {
			if s.pods >= 0 && s.pods < kubeReplicas {
				early = append(early, fmt.Sprintf("%s (%d)", s.name, s.pods))
			}
		}
	}
	if len(early) > 0 {
		fmt.Fprintf(&t, "\nbake switched the Service while it saw fewer than %d pods of the release (how many in brackets) in: %s. "+
			"Its Deployment's status already said all %d available: those runs' times are too short.\n",
			kubeReplicas, strings.Join(early, ", "), kubeReplicas)
	}
	fmt.Fprintf(&t, "\nLoad average (1, 5, 15 min) on this machine's %d CPUs: %s when the table started, %s when it ended; the table took %.0f s, its two releases included.\n",
		runtime.NumCPU(), load.before, load.after, load.took)
	return t.String()
}

// floorOf is the floor measured in round (1-based), or NaN.
func floorOf(floors []float64, round int) float64 {
	if round < 1 || round > len(floors) {
		return math.NaN()
	}
	return floors[round-1]
}

// spread formats a sample's median and range: "1.8 (1.5-2.3)", or "-".
func spread(v []float64, d int) string {
	if len(v) == 0 {
		return "-"
	}
	s := statsOf(v)
	return fmt.Sprintf("%s (%s-%s)", s.med(d), s.min(d), s.max(d))
}

// medianSample is the first sample whose call count is the median's (or
// nearest below it, for an even count).
func medianSample(v []kubeSample) (kubeSample, bool) {
	var calls []float64
	for _, s := range v {
		if s.calls >= 0 {
			calls = append(calls, float64(s.calls))
		}
	}
	if len(calls) == 0 {
		return kubeSample{}, false
	}
	med := statsOf(calls).Med
	var best kubeSample
	found := false
	for _, s := range v {
		if s.calls >= 0 && float64(s.calls) <= med && (!found || s.calls > best.calls) {
			best, found = s, true
		}
	}
	return best, found
}
