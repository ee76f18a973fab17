package config

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// canaryTarget is minimalFile's target line; the cases below replace it.
const canaryTarget = "{listen: 127.0.0.1:8101}"

func canaryFile(t *testing.T, target string) string {
	return edit(t, canaryTarget, target)
}

func TestCanaryLoadsWithItsDefaults(t *testing.T) {
	p, err := Load(writeProject(t, canaryFile(t, "{listen: 127.0.0.1:8101, strategy: canary, steps: [{weight: 10, pause: 1m}, {weight: 50, pause: 90s}]}")))
	require.NoError(t, err)
	tg := p.Environments[0].Targets["hello"]
	assert.Equal(t, Canary, tg.Strategy)
	assert.Equal(t, []CanaryStep{{Weight: 10, Pause: time.Minute}, {Weight: 50, Pause: 90 * time.Second}}, tg.Steps)
	require.NotNil(t, tg.Analysis, "a canary target always has its analysis")
	assert.Equal(t, defaultAnalysis(), tg.Analysis)
	assert.Equal(t, 0.01, tg.Analysis.MaxErrorRateIncrease)
	assert.Equal(t, 0.95, tg.Analysis.Confidence)
}

func TestCanaryAnalysisAsWritten(t *testing.T) {
	tests := []struct {
		name     string
		analysis string
		want     Analysis
	}{
		{"percentages", "{max_error_rate_increase: 0.5%, max_latency_increase: 100%, confidence: 99.9%}",
			Analysis{Interval: 5 * time.Second, MinRequests: 50, MaxErrorRateIncrease: 0.005, MaxLatencyIncrease: 1, Confidence: 0.999}},
		{"steps by time alone", "{min_requests: 0, interval: 1s}",
			Analysis{Interval: time.Second, MinRequests: 0, MaxErrorRateIncrease: 0.01, MaxLatencyIncrease: 0.25, Confidence: 0.95}},
		{"prometheus", `{prometheus: "http://127.0.0.1:9090", queries: [{name: errors, query: 'rate(x{v="{{ .Version }}",b="{{ .Baseline }}",e="{{ .Env }}",i="{{ .Image }}"}[1m])', max: 0.01, min: 0}, {name: p99, query: up, min: 1}]}`,
			Analysis{Interval: 5 * time.Second, MinRequests: 50, MaxErrorRateIncrease: 0.01, MaxLatencyIncrease: 0.25, Confidence: 0.95,
				Prometheus: "http://127.0.0.1:9090", Queries: []MetricQuery{
					{Name: "errors", Query: `rate(x{v="{{ .Version }}",b="{{ .Baseline }}",e="{{ .Env }}",i="{{ .Image }}"}[1m])`, Max: ptr(0.01), Min: ptr(0.0)},
					{Name: "p99", Query: "up", Min: ptr(1.0)}}}},
		{"an empty section", "", *defaultAnalysis()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Load(writeProject(t, canaryFile(t, "{listen: 127.0.0.1:8101, strategy: canary, steps: [{weight: 20, pause: 1m}], analysis: "+tt.analysis+"}")))
			require.NoError(t, err)
			got := *p.Environments[0].Targets["hello"].Analysis
			for i, q := range got.Queries {
				assert.Equal(t, "environments[0].targets.hello.analysis.queries["+strconv.Itoa(i)+"].query", q.At.Key)
				assert.Equal(t, 12, q.At.Line, "where the query is written")
				got.Queries[i].At = Error{}
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func ptr(f float64) *float64 { return &f }

func TestOtherStrategiesHaveNoAnalysis(t *testing.T) {
	p, err := Load(writeProject(t, minimalFile))
	require.NoError(t, err)
	assert.Nil(t, p.Environments[0].Targets["hello"].Analysis)
	assert.Nil(t, p.Environments[0].Targets["hello"].Steps)
}

func TestPercent(t *testing.T) {
	for f, want := range map[float64]string{0.01: "1%", 0.07: "7%", 0.9999: "99.99%", 0.005: "0.5%", 2.5: "250%", 0: "0%"} {
		assert.Equal(t, want, Percent(f))
	}
}
