package config

import (
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"time"

	"gopkg.in/yaml.v3"
)

// analysis decodes a canary's analysis: into a, which holds the defaults.
func (d *decoder) analysis(path string, at, n *yaml.Node, a *Analysis) {
	s, ok := d.Section(path, at, n, fileKeys[Analysis]("")...)
	if !ok {
		return
	}
	if v := s.Get("interval"); v != nil {
		if iv, ok := d.duration(join(path, "interval"), v); ok {
			if iv < time.Second || iv > time.Minute {
				d.Errorf(v, join(path, "interval"), "must be between 1s and 1m, got %s", v.Value)
			}
			a.Interval = iv
		}
	}
	if v := s.Get("min_requests"); v != nil {
		a.MinRequests, _ = d.number(join(path, "min_requests"), v, 0, 1_000_000)
	}
	if v := s.Get("max_error_rate_increase"); v != nil {
		a.MaxErrorRateIncrease, _ = d.percent(join(path, "max_error_rate_increase"), v, 0, 100)
	}
	if v := s.Get("max_latency_increase"); v != nil {
		a.MaxLatencyIncrease, _ = d.percent(join(path, "max_latency_increase"), v, 0, 1000)
	}
	if v := s.Get("confidence"); v != nil {
		a.Confidence, _ = d.percent(join(path, "confidence"), v, 50, 99.99)
	}
	prom := s.Get("prometheus")
	if prom != nil {
		if u, ok := d.str(join(path, "prometheus"), prom); ok {
			if err := checkLoopbackURL(u); err != nil {
				d.Errorf(prom, join(path, "prometheus"), "%v", err)
			}
			a.Prometheus = u
		}
	}
	q := s.Get("queries")
	switch {
	case q != nil && prom == nil && !s.Misspelt("prometheus"):
		d.Errorf(s.Key("queries"), join(path, "queries"), "only apply with prometheus: add prometheus: http://127.0.0.1:9090 (the URL of yours) or remove queries")
	case q != nil:
		a.Queries = d.queries(join(path, "queries"), q)
	case prom != nil && !s.Misspelt("queries"):
		d.Errorf(s.Key("prometheus"), join(path, "queries"), "required with prometheus: a list such as [{name: error-ratio, query: '...', max: 0.01}]")
	}
}

// percent reads a percentage written with a % sign, such as 1% or 99.5%,
// between lo and hi percent, as a fraction (0.01). A bare number is refused:
// 0.01 and 1 would both be read as "one percent" by someone.
func (d *decoder) percent(path string, n *yaml.Node, lo, hi float64) (float64, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.Errorf(n, path, "expected a percentage such as 5%%, got %s", describe(n))
		return 0, false
	}
	text, hasSign := strings.CutSuffix(strings.TrimSpace(n.Value), "%")
	text = strings.TrimSpace(text)
	v, err := strconv.ParseFloat(text, 64)
	switch {
	case err != nil || !decimal.MatchString(text):
		d.Errorf(n, path, "expected a percentage such as 5%%, got %q", n.Value)
		return 0, false
	case !hasSign:
		d.Errorf(n, path, "%s, not %s", signHint(v, lo, hi), n.Value)
		return 0, false
	case v < lo || v > hi:
		d.Errorf(n, path, "must be between %s%% and %s%%, got %s", trim(lo), trim(hi), n.Value)
		return 0, false
	}
	// Scaled in the decimal text, so that 99.9% is 0.999, not 0.999...01.
	f, _ := strconv.ParseFloat(text+"e-2", 64)
	return f, true
}

// signHint says how to write a bare number v as a percentage between lo
// and hi: as v% or as v*100% when both are in range, as the one reading
// that is (0.95 for a confidence is 95%: 0.95% is out of range), and with
// the range when neither is.
func signHint(v, lo, hi float64) string {
	in := func(p float64) bool { return p >= lo && p <= hi }
	switch asIs, scaled := in(v), in(v*100); {
	case asIs && scaled && v != v*100:
		return fmt.Sprintf("write a percentage with a %% sign: %s%% or %s%%", trim(v), trim(v*100))
	case asIs:
		return fmt.Sprintf("write a percentage with a %% sign: %s%%", trim(v))
	case scaled:
		return fmt.Sprintf("write a percentage with a %% sign: %s%%", trim(v*100))
	}
	return fmt.Sprintf("write a percentage with a %% sign, between %s%% and %s%%", trim(lo), trim(hi))
}

// decimal is how the number of a percentage is written.
var decimal = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// trim formats a number with no trailing zeros.
func trim(f float64) string { return strconv.FormatFloat(math.Round(f*1e4)/1e4, 'f', -1, 64) }

// queries decodes an analysis's Prometheus queries.
func (d *decoder) queries(path string, n *yaml.Node) []MetricQuery {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		d.Errorf(n, path, "expected a list of queries such as [{name: error-ratio, query: '...', max: 0.01}], got %s", describe(n))
		return nil
	}
	var out []MetricQuery
	first := map[string]*yaml.Node{}
	for i, item := range n.Content {
		qpath := index(path, i)
		s, ok := d.Section(qpath, resolve(item), item, fileKeys[MetricQuery]("")...)
		if !ok {
			continue
		}
		var q MetricQuery
		if v := s.Require("name"); v != nil {
			if name, ok := d.str(join(qpath, "name"), v); ok {
				if prev, dup := first[name]; dup {
					d.Errorf(v, join(qpath, "name"), "duplicate query name %q; first used at line %d", name, prev.Line)
				} else if name == "" {
					d.Errorf(v, join(qpath, "name"), "must not be empty: it names the query in analysis results")
				}
				first[name] = v
				q.Name = name
			}
		}
		if v := s.Require("query"); v != nil {
			if text, ok := d.str(join(qpath, "query"), v); ok {
				if err := checkQueryTemplate(text); err != nil {
					d.Errorf(v, join(qpath, "query"), "%v", err)
				}
				q.Query = text
				q.At = Error{File: d.File, Line: v.Line, Column: v.Column, Key: join(qpath, "query"), Kind: ErrInvalid}
			}
		}
		q.Max = d.limit(join(qpath, "max"), s.Get("max"))
		q.Min = d.limit(join(qpath, "min"), s.Get("min"))
		switch {
		case q.Max == nil && q.Min == nil && s.Key("max") == nil && s.Key("min") == nil:
			d.Errorf(item, qpath, "set max, min or both: the values that pass")
		case q.Max != nil && q.Min != nil && *q.Min > *q.Max:
			d.Errorf(s.Get("min"), join(qpath, "min"), "%s is above max %s: no value would pass", trim(*q.Min), trim(*q.Max))
		}
		out = append(out, q)
	}
	return out
}

// limit reads a query's max or min: a number.
func (d *decoder) limit(path string, n *yaml.Node) *float64 {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") {
		d.Errorf(n, path, "expected a number such as 0.01, got %s", describe(n))
		return nil
	}
	v, err := strconv.ParseFloat(n.Value, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		d.Errorf(n, path, "expected a number such as 0.01, got %q", n.Value)
		return nil
	}
	return &v
}

// checkQueryTemplate parses a query and renders it with the fields it will
// have (analysis.Vars), so that a misspelt field is bad input now, not a
// failed canary.
func checkQueryTemplate(s string) error {
	t, err := template.New("value").Option("missingkey=error").Parse(s)
	if err != nil {
		return fmt.Errorf("invalid template: %s", templateErrPrefix.ReplaceAllString(err.Error(), ""))
	}
	data := map[string]any{"Image": "web", "Env": "prod", "Version": "1.1.0", "Baseline": "1.0.0"}
	if err := t.Execute(io.Discard, data); err != nil {
		return fmt.Errorf("invalid template: %s; a query may use {{ .Image }}, {{ .Env }}, {{ .Version }} and {{ .Baseline }}",
			templateExecPrefix.ReplaceAllString(err.Error(), ""))
	}
	return nil
}

// checkLoopbackURL checks that u is an http(s) URL of a server on loopback.
func checkLoopbackURL(u string) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return fmt.Errorf("%q is not an http or https URL such as http://127.0.0.1:9090", u)
	}
	host := p.Hostname()
	if ip := net.ParseIP(host); (ip == nil || !ip.IsLoopback()) && host != "localhost" {
		return fmt.Errorf("%q is not on loopback; use http://127.0.0.1:PORT, http://[::1]:PORT or http://localhost:PORT", u)
	}
	return nil
}
