package config

import "testing"

// TestLoadRejectsInvalidCanaries covers strategy canary: its steps, its
// analysis, and where it does not apply. Each mistake is one line.
func TestLoadRejectsInvalidCanaries(t *testing.T) {
	canary := func(rest string) func(t *testing.T) string {
		return func(t *testing.T) string {
			return canaryFile(t, "{listen: 127.0.0.1:8101, strategy: canary"+rest+"}")
		}
	}
	runInvalid(t, []invalidCase{
		{name: "canary without steps", content: canary(""), position: "12:39",
			message: `environments[0].targets.hello.steps: required with strategy canary: a list such as [{weight: 10, pause: 1m}, {weight: 50, pause: 2m}]`},
		{name: "steps without canary", content: func(t *testing.T) string {
			return canaryFile(t, "{listen: 127.0.0.1:8101, steps: [{weight: 10, pause: 1m}]}")
		}, position: "12:39", message: `environments[0].targets.hello.steps: only applies to strategy "canary"; remove it or set strategy: canary`},
		{name: "analysis without canary", content: func(t *testing.T) string {
			return canaryFile(t, "{listen: 127.0.0.1:8101, strategy: rolling, analysis: {}}")
		}, position: "12:58", message: `environments[0].targets.hello.analysis: only applies to strategy "canary"; remove it or set strategy: canary`},
		{name: "no steps", content: canary(", steps: []"), position: "12:64",
			message: `environments[0].targets.hello.steps: must have 1 to 10 steps, got 0`},
		{name: "eleven steps", content: canary(", steps: [{weight: 1, pause: 1s}, {weight: 2, pause: 1s}, {weight: 3, pause: 1s}, {weight: 4, pause: 1s}, {weight: 5, pause: 1s}, {weight: 6, pause: 1s}, {weight: 7, pause: 1s}, {weight: 8, pause: 1s}, {weight: 9, pause: 1s}, {weight: 10, pause: 1s}, {weight: 11, pause: 1s}]"),
			position: "12:64", message: `environments[0].targets.hello.steps: must have 1 to 10 steps, got 11`},
		{name: "weight 100", content: canary(", steps: [{weight: 100, pause: 1m}]"), position: "12:74",
			message: `environments[0].targets.hello.steps[0].weight: must be between 1 and 99, got 100`},
		{name: "weight as a percentage", content: canary(", steps: [{weight: 10%, pause: 1m}]"), position: "12:74",
			message: `environments[0].targets.hello.steps[0].weight: expected a number, got "10%"`},
		{name: "weights falling", content: canary(", steps: [{weight: 50, pause: 1m}, {weight: 10, pause: 1m}]"), position: "12:99",
			message: `environments[0].targets.hello.steps[1].weight: must be greater than the step before's 50: weights rise step by step (100 comes on its own after the last)`},
		{name: "step without pause", content: canary(", steps: [{weight: 10}]"), position: "12:65",
			message: `environments[0].targets.hello.steps[0].pause: required`},
		{name: "pause of zero", content: canary(", steps: [{weight: 10, pause: 0s}]"), position: "12:85",
			message: `environments[0].targets.hello.steps[0].pause: must be greater than zero, got 0s`},
		{name: "misspelt step key", content: canary(", steps: [{weight: 10, pasue: 1m}]"), position: "12:78",
			message: `environments[0].targets.hello.steps[0].pasue: unknown key; did you mean "pause"?`},
		{name: "percentage as a bare number", content: canary(", steps: [{weight: 10, pause: 1m}], analysis: {max_error_rate_increase: 0.01}"), position: "12:127",
			message: `environments[0].targets.hello.analysis.max_error_rate_increase: write a percentage with a % sign: 0.01% or 1%, not 0.01`},
		{name: "percentage in words", content: canary(", steps: [{weight: 10, pause: 1m}], analysis: {max_latency_increase: ten}"), position: "12:124",
			message: `environments[0].targets.hello.analysis.max_latency_increase: expected a percentage such as 5%, got "ten"`},
		{name: "confidence as a fraction", content: canary(", steps: [{weight: 10, pause: 1m}], analysis: {confidence: 0.95}"), position: "12:114",
			message: `environments[0].targets.hello.analysis.confidence: write a percentage with a % sign: 95%, not 0.95`},
		{name: "confidence as a bare number", content: canary(", steps: [{weight: 10, pause: 1m}], analysis: {confidence: 95}"), position: "12:114",
			message: `environments[0].targets.hello.analysis.confidence: write a percentage with a % sign: 95%, not 95`},
		{name: "confidence bare and out of range", content: canary(", steps: [{weight: 10, pause: 1m}], analysis: {confidence: 0.2}"), position: "12:114",
			message: `environments[0].targets.hello.analysis.confidence: write a percentage with a % sign, between 50% and 99.99%, not 0.2`},
		{name: "confidence too low", content: canary(", steps: [{weight: 10, pause: 1m}], analysis: {confidence: 40%}"), position: "12:114",
			message: `environments[0].targets.hello.analysis.confidence: must be between 50% and 99.99%, got 40%`},
		{name: "interval too long", content: canary(", steps: [{weight: 10, pause: 1m}], analysis: {interval: 2m}"), position: "12:112",
			message: `environments[0].targets.hello.analysis.interval: must be between 1s and 1m, got 2m`},
		{name: "prometheus not on loopback", content: canary(`, steps: [{weight: 10, pause: 1m}], analysis: {prometheus: "http://10.0.0.1:9090", queries: [{name: e, query: up, max: 1}]}`), position: "12:114",
			message: `environments[0].targets.hello.analysis.prometheus: "http://10.0.0.1:9090" is not on loopback; use http://127.0.0.1:PORT, http://[::1]:PORT or http://localhost:PORT`},
		{name: "prometheus not a URL", content: canary(`, steps: [{weight: 10, pause: 1m}], analysis: {prometheus: "127.0.0.1:9090", queries: [{name: e, query: up, max: 1}]}`), position: "12:114",
			message: `environments[0].targets.hello.analysis.prometheus: "127.0.0.1:9090" is not an http or https URL such as http://127.0.0.1:9090`},
		{name: "prometheus without queries", content: canary(`, steps: [{weight: 10, pause: 1m}], analysis: {prometheus: "http://127.0.0.1:9090"}`), position: "12:102",
			message: `environments[0].targets.hello.analysis.queries: required with prometheus: a list such as [{name: error-ratio, query: '...', max: 0.01}]`},
		{name: "queries without prometheus", content: canary(`, steps: [{weight: 10, pause: 1m}], analysis: {queries: [{name: e, query: up, max: 1}]}`), position: "12:102",
			message: `environments[0].targets.hello.analysis.queries: only apply with prometheus: add prometheus: http://127.0.0.1:9090 (the URL of yours) or remove queries`},
		{name: "query without a limit", content: canary(`, steps: [{weight: 10, pause: 1m}], analysis: {prometheus: "http://127.0.0.1:9090", queries: [{name: e, query: up}]}`), position: "12:149",
			message: `environments[0].targets.hello.analysis.queries[0]: set max, min or both: the values that pass`},
		{name: "query without a name", content: canary(`, steps: [{weight: 10, pause: 1m}], analysis: {prometheus: "http://127.0.0.1:9090", queries: [{query: up, max: 1}]}`), position: "12:149",
			message: `environments[0].targets.hello.analysis.queries[0].name: required`},
		{name: "duplicate query name", content: canary(`, steps: [{weight: 10, pause: 1m}], analysis: {prometheus: "http://127.0.0.1:9090", queries: [{name: e, query: up, max: 1}, {name: e, query: up, min: 0}]}`), position: "12:186",
			message: `environments[0].targets.hello.analysis.queries[1].name: duplicate query name "e"; first used at line 12`},
		{name: "min above max", content: canary(`, steps: [{weight: 10, pause: 1m}], analysis: {prometheus: "http://127.0.0.1:9090", queries: [{name: e, query: up, max: 1, min: 2}]}`), position: "12:183",
			message: `environments[0].targets.hello.analysis.queries[0].min: 2 is above max 1: no value would pass`},
		{name: "max in words", content: canary(`, steps: [{weight: 10, pause: 1m}], analysis: {prometheus: "http://127.0.0.1:9090", queries: [{name: e, query: up, max: one}]}`), position: "12:175",
			message: `environments[0].targets.hello.analysis.queries[0].max: expected a number such as 0.01, got "one"`},
		{name: "query with a misspelt field", content: canary(`, steps: [{weight: 10, pause: 1m}], analysis: {prometheus: "http://127.0.0.1:9090", queries: [{name: e, query: 'up{v="{{ .Versoin }}"}', max: 1}]}`), position: "12:166",
			message: `environments[0].targets.hello.analysis.queries[0].query: invalid template: <.Versoin>: map has no entry for key "Versoin"; a query may use {{ .Image }}, {{ .Env }}, {{ .Version }} and {{ .Baseline }}`},
		{name: "query with an unclosed action", content: canary(`, steps: [{weight: 10, pause: 1m}], analysis: {prometheus: "http://127.0.0.1:9090", queries: [{name: e, query: 'up{v="{{ .Version"}', max: 1}]}`), position: "12:166",
			message: `environments[0].targets.hello.analysis.queries[0].query: invalid template: bad character U+0022 '"'`},
		{name: "canary on an asg target", content: func(t *testing.T) string {
			return canaryFile(t, `{type: asg, target_groups: ["arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/w/1"], strategy: canary, steps: [{weight: 10, pause: 1m}]}`)
		}, position: "12:113",
			message: `environments[0].targets.hello.strategy: canary is for docker targets; an asg target replaces its group blue/green: remove strategy and steps`},
	})
}
