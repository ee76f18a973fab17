package kubernetes

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/targets"
)

// recovery is what recover asks after the promote of version (by operation)
// replacing recorded was killed.
func (s *scene) recovery(version, recorded, operation string) targets.Recovery {
	rel := s.release(recorded)
	return targets.Recovery{Request: s.request(version), Finish: true, Previous: recorded, Recorded: &rel, Operation: operation}
}

// Killed after the switch: the Service selects the new release, whose
// Deployment is settled, so recovery finishes the promote.
func TestRecoverFinishesASwitchedPromote(t *testing.T) {
	s := newScene(t)
	s.deploy("1.1.0", "op-a", 2)
	s.deploy("1.2.0", "op-b", 2)
	s.point("1.2.0")

	got, err := s.target.Recover(s.ctx, s.recovery("1.2.0", "1.1.0", "op-b"))
	require.NoError(t, err)
	assert.Equal(t, targets.Recovered{Finished: true, Serves: "1.2.0"}, got)
	assert.NotNil(t, s.deployment("web-v1-2-0"))
	warm := s.deployment("web-v1-1-0")
	require.NotNil(t, warm, "the replaced release is kept warm")
	assert.Equal(t, int32(2), desired(warm))
	assert.Empty(t, s.observe("1.2.0", "1.1.0").Drift)
}

// Killed before the switch: the Service still selects the recorded
// release, which keeps serving; the Deployment the killed run created is
// deleted.
func TestRecoverRevertsAnUnswitchedPromote(t *testing.T) {
	s := newScene(t)
	s.deploy("1.1.0", "op-a", 2)
	s.point("1.1.0")
	s.deploy("1.2.0", "op-b", 2)

	got, err := s.target.Recover(s.ctx, s.recovery("1.2.0", "1.1.0", "op-b"))
	require.NoError(t, err)
	assert.Equal(t, targets.Recovered{Serves: "1.1.0"}, got)
	assert.Nil(t, s.deployment("web-v1-2-0"), "the orphan of the killed run is deleted")
	assert.NotNil(t, s.deployment("web-v1-1-0"))
	live, err := s.target.Inspect(s.ctx, s.request("1.1.0"))
	require.NoError(t, err)
	assert.True(t, live.ServesOnly(s.release("1.1.0").Digest, 2), live.String())
	assert.Empty(t, s.observe("1.1.0", "").Drift)
}

// Killed during a first promote, with nothing recorded: what it created
// goes, the Service with it.
func TestRecoverClearsAFirstPromote(t *testing.T) {
	s := newScene(t)
	s.deploy("1.2.0", "op-b", 2)
	s.point("1.2.0")
	rec := s.recovery("1.2.0", "1.1.0", "op-b")
	rec.Recorded, rec.Finish = nil, false

	got, err := s.target.Recover(s.ctx, rec)
	require.NoError(t, err)
	assert.Equal(t, targets.Recovered{}, got)
	assert.Nil(t, s.deployment("web-v1-2-0"))
	st := s.observe("", "")
	assert.Empty(t, st.Drift)
	assert.NotContains(t, st.Lines, "service web selects 1.2.0")
}

// A `bake promote --continue` of a canary killed mid-step: the canary's
// Deployment carries the operation of the run that started it, not the
// killed one's. Recovery points the Service back at the baseline and
// deletes the canary's Deployment all the same, found by its release.
func TestRecoverDeletesTheCanaryAContinuedRunLeft(t *testing.T) {
	s := newScene(t)
	s.tgt.Strategy = config.Canary
	s.deploy("1.1.0", "op-a", 2)
	s.point("1.1.0")
	s.deploy("1.2.0", "op-first", 1)
	req := s.request("1.2.0")
	svc := s.target.serviceFor(req, s.target.sharedSelector(req)).WithAnnotations(map[string]string{AnnotationBaseline: "1.1.0"})
	_, err := s.cs.CoreV1().Services(s.namespace).Apply(s.ctx, svc, applyOptions)
	require.NoError(t, err)

	got, err := s.target.Recover(s.ctx, s.recovery("1.2.0", "1.1.0", "op-continue"))
	require.NoError(t, err)
	assert.Equal(t, targets.Recovered{Serves: "1.1.0"}, got)
	assert.Nil(t, s.deployment("web-v1-2-0"), "the canary's Deployment is deleted")
	assert.NotNil(t, s.deployment("web-v1-1-0"))
	assert.Equal(t, map[string]string(ServiceSelector(s.project, "prod", "web", "1.1.0")), s.service().Spec.Selector)
	assert.Empty(t, s.service().Annotations[AnnotationBaseline])
	assert.Empty(t, s.observe("1.1.0", "").Drift)
}

// A rollback to a release kept stopped, killed before its switch, is no
// canary: its Deployment, made by an earlier run, stays kept for rollback.
func TestRecoverKeepsAReleaseARollbackScaledUp(t *testing.T) {
	s := newScene(t)
	s.deploy("1.0.0", "op-z", 1)
	s.deploy("1.1.0", "op-a", 2)
	s.point("1.1.0")

	got, err := s.target.Recover(s.ctx, s.recovery("1.0.0", "1.1.0", "op-rollback"))
	require.NoError(t, err)
	assert.Equal(t, targets.Recovered{Serves: "1.1.0"}, got)
	assert.NotNil(t, s.deployment("web-v1-0-0"), "an earlier run's release is kept")
}
