package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/dynamodb"
	"github.com/bakehq/bake/internal/ledger/sqlite"
	"github.com/bakehq/bake/internal/mototest"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/targets"
)

// fixture is a ledger where prod runs web@1.1.0 (pinned by a rollback's
// record, 1.0.0 kept warm) behind a front door that answers, and dev's
// live state cannot be read.
type fixture struct {
	store ledger.Store
	src   *Source
	url   string // the dashboard
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	store, err := sqlite.Open(context.Background(), t.TempDir()+"/ledger.db")
	require.NoError(t, err)
	return newFixtureOn(t, store)
}

// newFixtureOn records the fixture's history in store.
func newFixtureOn(t *testing.T, store ledger.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	t.Cleanup(func() { _ = store.Close() })
	t0 := time.Now().Add(-time.Hour)
	for i, r := range []ledger.Release{
		{Image: "debian", Version: "1.0.0", Status: ledger.StatusValidated, Digest: "sha256:deb1"},
		{Image: "web", Version: "1.0.0", Status: ledger.StatusValidated, Base: "debian@1.0.0", Digest: "sha256:web1"},
		{Image: "web", Version: "1.1.0", Status: ledger.StatusValidated, Base: "debian@1.0.0", Digest: "sha256:web2",
			Checks: []ledger.CheckResult{{Name: "healthz", Kind: "http", Passed: true, Detail: "GET /healthz answered 200"}}},
		{Image: "web", Version: "1.2.0", Status: ledger.StatusFailed, Digest: "sha256:web3",
			Checks: []ledger.CheckResult{{Name: "healthz", Kind: "http", Detail: "got 500"}}},
	} {
		r.CreatedAt, r.CreatedBy = t0.Add(time.Duration(i)*time.Minute), "ci"
		require.NoError(t, store.PutRelease(ctx, r))
	}
	for i, d := range []ledger.Deployment{
		{Version: "1.0.0", Digest: "sha256:web1", Kind: ledger.KindPromote, Outcome: ledger.OutcomeSucceeded},
		{Version: "1.1.0", Digest: "sha256:web2", Previous: "1.0.0", Kind: ledger.KindPromote, Outcome: ledger.OutcomeSucceeded},
		{Version: "1.1.0", Digest: "sha256:web2", Previous: "1.1.0", Kind: ledger.KindPromote, Outcome: ledger.OutcomeFailed,
			Reason: "unhealthy after the switch"},
	} {
		at := t0.Add(time.Duration(10+i) * time.Minute)
		d.Env, d.Image, d.StartedAt, d.FinishedAt, d.By = "prod", "web", at, at, "alice"
		_, err := store.AppendDeployment(ctx, d)
		require.NoError(t, err)
	}
	require.NoError(t, store.SetPin(ctx, ledger.Pin{Image: "web", Env: "prod", Version: "1.1.0", Pinned: true,
		Reason: "rolled back by alice", By: "alice"}))
	require.NoError(t, store.SetFreeze(ctx, ledger.Freeze{Env: "prod", Locked: true, Reason: "incident 42", By: "carol"}))
	// A lock left by a bake on another host, long expired: stale.
	_, err := store.Lock(ctx, promote.LockKey("dev"), "bob on elsewhere (pid 42, operation op1, promote web@1.1.0)", time.Millisecond)
	require.NoError(t, err)

	// The front door: a real HTTP server on loopback with the health check's answer.
	door := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			_, _ = w.Write([]byte("ok 1.1.0"))
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(door.Close)

	web := &config.Image{Name: "web", Checks: []config.Check{{Name: "healthz",
		HTTP: &config.HTTPCheck{Path: "/healthz", Status: 200, Body: "ok {{ .Version }}"}}}}
	p := &config.Project{Name: "shop", File: "bake.yaml",
		Images: []*config.Image{{Name: "debian"}, web},
		Environments: []*config.Environment{
			{Name: "dev", Targets: map[string]*config.Target{"web": {Listen: "127.0.0.1:1"}}},
			{Name: "prod", Retention: config.Retention{Previous: config.KeepWarm},
				Targets: map[string]*config.Target{"web": {Listen: strings.TrimPrefix(door.URL, "http://")}}},
		},
	}
	observe := func(_ context.Context, o targets.Observation) (targets.State, error) {
		if o.Env == "dev" {
			return targets.State{}, errors.New("the Docker engine does not answer")
		}
		return targets.State{Replicas: []targets.Replica{
			{Name: "web-1.1.0-1", Version: "1.1.0", Running: true},
			{Name: "web-1.0.0-1", Version: "1.0.0", Running: true},
		}}, nil
	}
	f := &fixture{store: store}
	f.src = &Source{Project: p, Observe: observe,
		Store: func(context.Context) (ledger.Store, error) { return store, nil }}
	ui := httptest.NewServer(New(f.src))
	t.Cleanup(ui.Close)
	f.url = ui.URL
	return f
}

// get fetches path and decodes its JSON document into v.
func (f *fixture) get(t *testing.T, path string, v any) *http.Response {
	t.Helper()
	res, err := http.Get(f.url + path)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, "application/json", res.Header.Get("Content-Type"))
	require.NoError(t, json.NewDecoder(res.Body).Decode(v))
	return res
}

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

func TestMatrixShowsRecordLiveStateAndLocks(t *testing.T) {
	checkMatrix(t, newFixture(t))
}

// TestMatrixOnDynamoDB reads the same history from a DynamoDB ledger (on moto).
func TestMatrixOnDynamoDB(t *testing.T) {
	endpoint := mototest.Endpoint(t)
	loc, err := dynamodb.ParseURL("dynamodb://bake-ui-test?region=us-east-1&endpoint=" + endpoint)
	require.NoError(t, err)
	store, err := dynamodb.Open(context.Background(), loc)
	require.NoError(t, err)
	f := newFixtureOn(t, store)
	checkMatrix(t, f)
	var h Timeline
	f.get(t, "/api/history?image=web", &h)
	require.Len(t, h.Events, 6)
	assert.Equal(t, "promote web@1.1.0 failed", h.Events[0].Kind+" "+h.Events[0].Image+"@"+h.Events[0].Version+" "+h.Events[0].Outcome)
}

func checkMatrix(t *testing.T, f *fixture) {
	t.Helper()
	var m Matrix
	res := f.get(t, "/api/matrix", &m)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Regexp(t, `^read;dur=[0-9.]+$`, res.Header.Get("Server-Timing"))
	assert.Equal(t, "shop", m.Project)
	assert.Equal(t, []string{"dev", "prod"}, m.Environments)
	require.Len(t, m.Images, 2)
	web := m.Images[1]
	assert.Equal(t, "web", web.Image)
	assert.Equal(t, "1.2.0 (failed)", web.Latest)
	require.Len(t, web.Cells, 2)
	dev, prod := web.Cells[0], web.Cells[1]

	assert.Equal(t, "1.1.0", prod.Version, "the failed promote after it changes nothing")
	assert.Equal(t, "1.0.0", prod.Previous)
	assert.Equal(t, Healthy, prod.Health.State)
	assert.Contains(t, prod.Health.Detail, "/healthz answered 200", "asked through the front door")
	assert.Equal(t, []string{"1.0.0"}, prod.Warm)
	assert.Empty(t, prod.Stopped)
	require.NotNil(t, prod.Pinned)
	assert.Equal(t, "1.1.0", prod.Pinned.Version)

	assert.Equal(t, Unknown, dev.Health.State)
	assert.Contains(t, dev.Health.Detail, "the Docker engine does not answer")
	require.Len(t, m.Locks, 2)
	freeze := m.Locks[1]
	assert.Equal(t, Lock{Env: "prod", Holder: "carol", Since: freeze.Since, Frozen: true, Reason: "incident 42"}, freeze)
	lock := m.Locks[0]
	assert.Equal(t, "dev", lock.Env)
	assert.Equal(t, "bob on elsewhere (pid 42)", lock.Holder)
	assert.Equal(t, "promote web@1.1.0", lock.What)
	assert.True(t, lock.Stale, "its process is gone and it expired")
}

func TestMatrixHealthFollowsTheFrontDoor(t *testing.T) {
	f := newFixture(t)
	// The front door answers for another version than the record says runs.
	f.src.Project.Image("web").Checks[0].HTTP.Body = "ok 9.9.9"
	var m Matrix
	f.get(t, "/api/matrix", &m)
	prod := m.Images[1].Cells[1]
	assert.Equal(t, Unhealthy, prod.Health.State)
	assert.Contains(t, prod.Health.Detail, `expected status 200 and a body matching "ok 9.9.9"`)
}

func TestHistoryMergesDeploymentsAndReleasesNewestFirst(t *testing.T) {
	f := newFixture(t)
	var h Timeline
	require.Equal(t, http.StatusOK, f.get(t, "/api/history", &h).StatusCode)
	var got []string
	for _, e := range h.Events {
		got = append(got, e.Kind+" "+e.Image+"@"+e.Version+" "+e.Env+" "+e.Outcome)
	}
	assert.Equal(t, []string{
		"promote web@1.1.0 prod failed",
		"promote web@1.1.0 prod succeeded",
		"promote web@1.0.0 prod succeeded",
		"release web@1.2.0  failed",
		"release web@1.1.0  validated",
		"release web@1.0.0  validated",
		"release debian@1.0.0  validated",
	}, got)
	assert.Equal(t, "unhealthy after the switch", h.Events[0].Reason)
	assert.Equal(t, "alice", h.Events[0].By)
	assert.Equal(t, "failed checks: healthz", h.Events[3].Reason)

	f.get(t, "/api/history?limit=2&env=prod", &h)
	require.Len(t, h.Events, 2)
	assert.Equal(t, "succeeded", h.Events[1].Outcome)

	var e struct{ Error string }
	assert.Equal(t, http.StatusBadRequest, f.get(t, "/api/history?limit=x", &e).StatusCode)
	assert.Equal(t, `limit "x": give a number of events from 1 to 500`, e.Error)
	assert.Equal(t, http.StatusNotFound, f.get(t, "/api/history?image=nope", &e).StatusCode)
	assert.Equal(t, `unknown image "nope": bake.yaml has no such image`, e.Error)
}

func TestReleasePage(t *testing.T) {
	f := newFixture(t)
	var r ReleasePage
	require.Equal(t, http.StatusOK, f.get(t, "/api/releases/web/1.1.0", &r).StatusCode)
	assert.Equal(t, "sha256:web2", r.Digest)
	assert.Equal(t, []string{"prod"}, r.RunsIn)
	require.Len(t, r.Checks, 1)
	assert.Equal(t, "GET /healthz answered 200", r.Checks[0].Detail)
	assert.Equal(t, []Link{{Ref: "debian@1.0.0", Status: "validated", Digest: "sha256:deb1"}}, r.BaseChain)
	require.Len(t, r.Deployments, 2)
	assert.Equal(t, ledger.OutcomeFailed, r.Deployments[0].Outcome)

	f.get(t, "/api/releases/web/1.0.0", &r)
	assert.Equal(t, []string{"prod"}, r.WarmIn, "kept warm where it was replaced")

	var e struct{ Error string }
	assert.Equal(t, http.StatusNotFound, f.get(t, "/api/releases/web/3.0.0", &e).StatusCode)
	assert.Equal(t, "unknown release web@3.0.0: not recorded in the ledger", e.Error)
}

func TestDataSourceErrorsAreDocuments(t *testing.T) {
	f := newFixture(t)
	f.src.Store = func(context.Context) (ledger.Store, error) {
		return nil, errors.New("no ledger at .bake/ledger.db: run `bake release` first")
	}
	for _, path := range []string{"/api/matrix", "/api/history", "/api/releases/web/1.0.0"} {
		var e struct{ Error string }
		res := f.get(t, path, &e)
		assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode, path)
		assert.Equal(t, "no ledger at .bake/ledger.db: run `bake release` first", e.Error, path)
	}
}

func TestPageAndGuards(t *testing.T) {
	f := newFixture(t)
	for path, want := range map[string]string{"/": "<table id=\"matrix\">", "/assets/app.js": "function renderMatrix", "/assets/style.css": ".cell.drift"} {
		res, err := http.Get(f.url + path)
		require.NoError(t, err)
		body := new(strings.Builder)
		_, _ = io.Copy(body, res.Body)
		res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode, path)
		assert.Contains(t, body.String(), want, path)
		assert.Equal(t, "default-src 'self'; frame-ancestors 'none'", res.Header.Get("Content-Security-Policy"))
	}
	// A name that resolves to loopback is not enough (DNS rebinding).
	req, _ := http.NewRequest(http.MethodGet, f.url+"/api/matrix", nil)
	req.Host = "attacker.example:80"
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	// Read-only: nothing but GET.
	res, err = http.Post(f.url+"/api/matrix", "application/json", strings.NewReader("{}"))
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
}

func TestServeStopsWithItsContext(t *testing.T) {
	f := newFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, New(f.src)) }()
	url := "http://127.0.0.1:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port) + "/api/matrix"
	res, err := http.Get(url)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
	_, err = http.Get(url)
	require.Error(t, err, "nothing listens any more")
}

func TestHistoryShowsACanarysSteps(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	at := time.Now().Add(-time.Minute)
	start := ledger.Deployment{Env: "prod", Image: "web", Version: "1.0.0", Digest: "sha256:web1", Previous: "1.1.0",
		Kind: ledger.KindPromote, Outcome: ledger.OutcomeStarted, Strategy: ledger.StrategyCanary, StartedAt: at, By: "alice"}
	_, err := f.store.AppendDeployment(ctx, start)
	require.NoError(t, err)
	step := start
	step.Outcome, step.FinishedAt = ledger.OutcomeStep, at.Add(time.Second)
	step.Canary = &ledger.CanaryProgress{Step: 1, Steps: 2, Weight: 10, Held: true}
	step.Analysis = []ledger.Measurement{{Name: "up", Source: "prometheus", Canary: 1, Limit: 1, Min: true, Passed: true}}
	_, err = f.store.AppendDeployment(ctx, step)
	require.NoError(t, err)

	var h Timeline
	f.get(t, "/api/history?env=prod&limit=2", &h)
	require.Len(t, h.Events, 2)
	assert.Equal(t, "step", h.Events[0].Outcome)
	assert.Equal(t, "step 1/2: 10%, held", h.Events[0].Step)
	assert.Equal(t, "up 1 (at least 1): passed", h.Events[0].Analysis)
	assert.Equal(t, "started", h.Events[1].Outcome, "the canary under way has no outcome yet")

	// The matrix's cell carries the canary, with what its last step measured.
	var m Matrix
	f.get(t, "/api/matrix", &m)
	prod := m.Images[1].Cells[1]
	require.NotNil(t, prod.Canary, "the held canary is in prod's cell")
	assert.Equal(t, "1.0.0", prod.Canary.Version)
	assert.Equal(t, []int{1, 2, 10}, []int{prod.Canary.Step, prod.Canary.Steps, prod.Canary.Weight})
	assert.True(t, prod.Canary.Held)
	assert.Equal(t, step.Analysis, prod.Canary.Analysis)
	assert.NotContains(t, prod.Warm, "1.0.0", "the canary's replicas are not kept for rollback")
}
