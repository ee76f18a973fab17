package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// frontDoorClient asks front doors; no keep-alives, so every request sees
// the upstreams Caddy has now.
var frontDoorClient = &http.Client{
	Timeout:   5 * time.Second,
	Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
}

// get asks url and returns the status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := frontDoorClient.Get(url)
	require.NoError(t, err, "GET %s", url)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err, "GET %s", url)
	return resp.StatusCode, string(body)
}

// assertServes checks that env's front door answers /healthz with version.
func assertServes(t *testing.T, p *project, env, version string) {
	t.Helper()
	code, body := get(t, p.url(env, "/healthz"))
	assert.Equal(t, http.StatusOK, code, "%s /healthz: %s", env, body)
	assert.JSONEq(t, `{"version":"`+version+`"}`, body, "%s /healthz", env)
}

// statusDoc is `bake status -o json`.
type statusDoc []struct {
	Image        string      `json:"image"`
	Latest       string      `json:"latest_release"`
	Environments []envStatus `json:"environments"`
}

type envStatus struct {
	Env       string    `json:"env"`
	Version   string    `json:"version"`
	Digest    string    `json:"digest"`
	By        string    `json:"by"`
	Listen    string    `json:"listen"`
	Replicas  []replica `json:"replicas"`
	Upstreams []string  `json:"upstreams"`
}

type replica struct {
	Name     string `json:"name"`
	Version  string `json:"version"`
	Running  bool   `json:"running"`
	Upstream string `json:"upstream"`
}

// historyDoc is `bake history IMAGE -o json`.
type historyDoc struct {
	Releases []struct {
		Image   string `json:"image"`
		Version string `json:"version"`
		Digest  string `json:"digest"`
		Status  string `json:"status"`
	} `json:"releases"`
	Deployments []deployment `json:"deployments"`
	Locks       []lockDoc    `json:"locks"`
	NextBefore  int64        `json:"next_before"`
}

type deployment struct {
	ID       int64  `json:"id"`
	Env      string `json:"env"`
	Version  string `json:"version"`
	Previous string `json:"previous"`
	Kind     string `json:"kind"`
	Outcome  string `json:"outcome"`
	Reason   string `json:"reason"`
	By       string `json:"by"`
}

// decodeOne decodes exactly one JSON document from s into v, and checks
// that it names its schema.
func decodeOne(t *testing.T, s string, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	require.NoError(t, dec.Decode(v), "stdout is not JSON:\n%s", s)
	var extra json.RawMessage
	require.ErrorIs(t, dec.Decode(&extra), io.EOF, "more than one JSON document on stdout:\n%s", s)
	var named struct {
		Schema string `json:"schema"`
	}
	require.NoError(t, json.Unmarshal([]byte(s), &named), s)
	require.Regexp(t, `^bake\.[a-z-]+/v[0-9]+$`, named.Schema, "the document's schema field:\n%s", s)
}

// decodeList decodes the one document of schema in s and its list field
// into v: status's images, release --all's releases.
func decodeList(t *testing.T, s, schema, field string, v any) {
	t.Helper()
	var doc map[string]json.RawMessage
	decodeOne(t, s, &doc)
	require.JSONEq(t, strconv.Quote(schema), string(doc["schema"]), s)
	require.Contains(t, doc, field, s)
	require.NoError(t, json.Unmarshal(doc[field], v), s)
}

// decodeStatus decodes `bake status -o json`'s images into v.
func decodeStatus(t *testing.T, s string, v any) {
	t.Helper()
	decodeList(t, s, "bake.status/v1", "images", v)
}

// envStatusOf returns env's entry of `bake status svc -o json`.
func envStatusOf(t *testing.T, p *project, env string) envStatus {
	t.Helper()
	var doc statusDoc
	decodeStatus(t, mustBake(t, p.Dir, "status", "svc", "-o", "json").stdout, &doc)
	require.Len(t, doc, 1)
	for _, es := range doc[0].Environments {
		if es.Env == env {
			return es
		}
	}
	t.Fatalf("status has no environment %q", env)
	return envStatus{}
}

// assertStatus checks that status agrees with what env should run: version,
// exactly two running replicas of it, and the front door sending traffic to
// those replicas and no others.
func assertStatus(t *testing.T, p *project, env, version string) {
	t.Helper()
	es := envStatusOf(t, p, env)
	assert.Equal(t, version, es.Version, "%s version in status", env)
	assert.Equal(t, "e2e", es.By, "%s deployed by", env)
	var running []string
	for _, r := range es.Replicas {
		if r.Running {
			assert.Equal(t, version, r.Version, "%s runs replica %s", env, r.Name)
			running = append(running, r.Upstream)
		}
	}
	assert.Len(t, running, 2, "%s running replicas: %+v", env, es.Replicas)
	ups := append([]string(nil), es.Upstreams...)
	sort.Strings(running)
	sort.Strings(ups)
	assert.Equal(t, running, ups, "%s front door upstreams are the running replicas", env)
}

// history returns `bake history svc --all [--env env] -o json`.
func history(t *testing.T, p *project, env string) historyDoc {
	t.Helper()
	args := []string{"history", "svc", "--all", "-o", "json"}
	if env != "" {
		args = append(args, "--env", env)
	}
	var h historyDoc
	decodeOne(t, mustBake(t, p.Dir, args...).stdout, &h)
	return h
}
