package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bakehq/bake/internal/engine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// canarySteps is the canary of the tests: short steps (a few seconds each,
// analysed every second) so that each test takes well under a minute
// under the load of startLoad (200 requests a second: 20 a second reach
// the canary at 10%, min_requests within 3 s).
const canarySteps = `strategy: canary, steps: [{weight: 10, pause: 6s}, {weight: 50, pause: 3s}], ` +
	`analysis: {interval: 1s, min_requests: 50}`

// canaryDeployment is a deployment of `bake history -o json` with what a
// canary records.
type canaryDeployment struct {
	deployment
	Strategy string          `json:"strategy"`
	Canary   *canaryProgress `json:"canary"`
	Analysis []measurement   `json:"analysis"`
}

type canaryProgress struct {
	Step   int  `json:"step"`
	Steps  int  `json:"steps"`
	Weight int  `json:"weight"`
	Held   bool `json:"held"`
}

type measurement struct {
	Name     string  `json:"name"`
	Source   string  `json:"source"`
	Canary   float64 `json:"canary"`
	Baseline float64 `json:"baseline"`
	Limit    float64 `json:"limit"`
	Passed   bool    `json:"passed"`
}

// canaryHistory is env's deployments, newest first, as a canary records them.
func canaryHistory(t *testing.T, p *project, env string) []canaryDeployment {
	t.Helper()
	var h struct {
		Deployments []canaryDeployment `json:"deployments"`
	}
	decodeOne(t, mustBake(t, p.Dir, "history", "svc", "--all", "--env", env, "-o", "json").stdout, &h)
	return h.Deployments
}

// failedMeasurements names the measurements that failed.
func failedMeasurements(ms []measurement) []string {
	var out []string
	for _, m := range ms {
		if !m.Passed {
			out = append(out, m.Name)
		}
	}
	return out
}

// canaryStatus is env's canary in `bake status -o json`, if one is under way.
type canaryStatus struct {
	Version string `json:"version"`
	Step    int    `json:"step"`
	Steps   int    `json:"steps"`
	Weight  int    `json:"weight"`
	Held    bool   `json:"held"`
}

func canaryStatusOf(t *testing.T, p *project, env string) *canaryStatus {
	t.Helper()
	var doc []struct {
		Environments []struct {
			Env    string        `json:"env"`
			Canary *canaryStatus `json:"canary"`
		} `json:"environments"`
	}
	decodeStatus(t, mustBake(t, p.Dir, "status", "svc", "-o", "json").stdout, &doc)
	require.Len(t, doc, 1)
	for _, e := range doc[0].Environments {
		if e.Env == env {
			return e.Canary
		}
	}
	t.Fatalf("status has no environment %q", env)
	return nil
}

// versionsServed asks env's front door for / n times and counts the
// versions that answered (a 500 counts as "500").
func versionsServed(t *testing.T, p *project, env string, n int) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for range n {
		code, body := get(t, p.url(env, "/"))
		if code != http.StatusOK {
			seen[http.StatusText(code)]++
			continue
		}
		seen[strings.TrimPrefix(strings.TrimSpace(body), "svc ")]++
	}
	return seen
}

// assertNoReplicasOf checks that no container of version is left in env,
// running or stopped.
func assertNoReplicasOf(t *testing.T, p *project, env, version string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	left, err := listContainers(ctx, engine.LabelProject+"="+p.Name, engine.LabelEnv+"="+env, engine.LabelVersion+"="+version)
	require.NoError(t, err)
	assert.Empty(t, left, "containers of %s left in %s", version, env)
}

// canaryProject is a project whose dev runs svc@1.0.0 (a good release,
// promoted with nothing before it: as blue-green) and holds version, made
// with faults, ready to promote as a canary (opts.Target "" is canarySteps).
func canaryProject(t *testing.T, version string, f svcFaults, opts projectOptions) *project {
	t.Helper()
	if opts.Target == "" {
		opts.Target = canarySteps
	}
	p := newProject(t, opts)
	p.release(t, "1.0.0")
	p.releaseAs(t, version, f)
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	assertServes(t, p, "dev", "1.0.0")
	return p
}
