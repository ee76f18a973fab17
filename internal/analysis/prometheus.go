package analysis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/bakehq/bake/internal/ledger"
)

// sourcePrometheus names measurements read from Prometheus queries.
const sourcePrometheus = "prometheus"

// queryTimeout bounds one query, so that a Prometheus that stopped
// answering costs one analysis interval, not the whole step.
const queryTimeout = 10 * time.Second

// Prometheus is a team's Prometheus and the queries a canary must satisfy.
type Prometheus struct {
	URL     string
	Queries []Query
}

// Query is one PromQL query, a text/template over Vars, whose value must
// stay at or below Max and at or above Min (either or both set).
type Query struct {
	Name, Query string
	Max, Min    *float64
}

// Vars are what a query's template may name: {{ .Version }} is the
// canary's version, {{ .Baseline }} the version it would replace.
type Vars struct {
	Image, Env, Version, Baseline string
}

// ErrBadQuery marks a query Prometheus refused (its PromQL does not
// parse) or whose answer is not one value: the query must change.
var ErrBadQuery = errors.New("bad Prometheus query")

// noDataAdvice is what to do about a query that has no data.
const noDataAdvice = "make each query answer whenever the canary served, e.g. (sum(errors...) or vector(0)) / sum(requests...) (docs/canary.md, Queries that always answer)"

// QueryError is a query that could not run: errors.Is(err, ErrBadQuery)
// when the query itself is at fault, else Prometheus could not be asked.
type QueryError struct {
	Name string // the query's name in bake.yaml
	Err  error  // Prometheus's own words, or why it could not be reached
}

func (e *QueryError) Error() string { return fmt.Sprintf("prometheus query %q: %v", e.Name, e.Err) }

// Unwrap returns the cause.
func (e *QueryError) Unwrap() error { return e.Err }

// refused is Prometheus's message about a query it would not run.
type refused string

func (r refused) Error() string        { return string(r) }
func (r refused) Is(target error) bool { return target == ErrBadQuery }

// Evaluate runs every query as an instant query now and holds its value to
// its limits. A query must give a scalar or a vector of one sample;
// aggregate it (sum, max, ...) to get there. No sample, or NaN (a ratio of
// rates while nothing was served), is Inconclusive: no data is no evidence
// either way. An error is a query that could not run (Prometheus
// unreachable, bad PromQL, several series), which no verdict covers.
func (p Prometheus) Evaluate(ctx context.Context, v Vars) (Result, error) {
	if len(p.Queries) == 0 {
		return Result{Verdict: Pass, Reason: "no Prometheus queries"}, nil
	}
	client, err := api.NewClient(api.Config{Address: p.URL})
	if err != nil {
		return Result{}, fmt.Errorf("prometheus %q: %w", p.URL, err)
	}
	promAPI := v1.NewAPI(client)
	results := make([]Result, 0, len(p.Queries))
	for _, q := range p.Queries {
		value, ok, err := p.value(ctx, promAPI, q, v)
		if err != nil {
			return Result{}, &QueryError{Name: q.Name, Err: err}
		}
		if !ok {
			results = append(results, Result{Verdict: Inconclusive, Advice: noDataAdvice, Reason: fmt.Sprintf(
				"%s: no data from Prometheus for %s@%s in %q", q.Name, v.Image, v.Version, v.Env)})
			continue
		}
		results = append(results, judge(q, value))
	}
	return Combine(results...), nil
}

// value renders and runs one query; ok is false when it has no data.
func (p Prometheus) value(ctx context.Context, promAPI v1.API, q Query, v Vars) (value float64, ok bool, err error) {
	tmpl, err := template.New(q.Name).Option("missingkey=error").Parse(q.Query)
	if err != nil {
		return 0, false, refused(err.Error())
	}
	var promQL strings.Builder
	if err := tmpl.Execute(&promQL, v); err != nil {
		return 0, false, refused(err.Error())
	}
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	got, _, _, err := promAPI.Query(ctx, promQL.String(), time.Now())
	var apiErr *v1.Error
	switch {
	case errors.As(err, &apiErr) && apiErr.Type == v1.ErrBadData:
		return 0, false, refused(apiErr.Msg)
	case err != nil:
		return 0, false, err
	}
	switch got := got.(type) {
	case *model.Scalar:
		value = float64(got.Value)
	case model.Vector:
		switch len(got) {
		case 0:
			return 0, false, nil
		case 1:
			value = float64(got[0].Value)
		default:
			return 0, false, refused(fmt.Sprintf("%d series (%s, ...) where one value is needed: aggregate them, e.g. with sum(...)",
				len(got), got[0].Metric))
		}
	default:
		return 0, false, refused(fmt.Sprintf("a %s where a scalar or an instant vector is needed", got.Type()))
	}
	if math.IsNaN(value) {
		return 0, false, nil
	}
	return value, true, nil
}

// judge holds a query's value to its limits: one measurement per limit.
func judge(q Query, value float64) Result {
	res := Result{Verdict: Pass}
	var failed, passed []string
	check := func(limit float64, isMin bool) {
		ok, word := value <= limit, "max"
		if isMin {
			ok, word = value >= limit, "min"
		}
		res.Measurements = append(res.Measurements, ledger.Measurement{
			Name: q.Name, Source: sourcePrometheus, Canary: value, CanaryOnly: true, Limit: limit, Min: isMin, Passed: ok,
			Detail: word + " " + number(limit),
		})
		if ok {
			passed = append(passed, word+" "+number(limit))
			return
		}
		relation := "above"
		if isMin {
			relation = "below"
		}
		failed = append(failed, fmt.Sprintf("%s %s", relation, word+" "+number(limit)))
	}
	if q.Max != nil {
		check(*q.Max, false)
	}
	if q.Min != nil {
		check(*q.Min, true)
	}
	if len(failed) > 0 {
		res.Verdict = Fail
		res.Reason = fmt.Sprintf("%s is %s, %s", q.Name, number(value), strings.Join(failed, ", "))
		return res
	}
	res.Reason = q.Name + " is " + number(value)
	if len(passed) > 0 {
		res.Reason += " (" + strings.Join(passed, ", ") + ")"
	}
	return res
}

// number shows a query's value with the digits that matter.
func number(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
