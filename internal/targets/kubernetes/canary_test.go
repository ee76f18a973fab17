package kubernetes_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/targets"
	"github.com/bakehq/bake/internal/targets/kubernetes"
)

// canaryFixture is a fixture whose target is a canary of two steps (10%,
// 50%), serving the releases before: each deployed blue-green, as a first
// release (with nothing to compare a canary with) is.
func canaryFixture(t *testing.T, keep string, before ...string) *fixture {
	t.Helper()
	f := newFixture(t, config.BlueGreen, keep, 3)
	for _, v := range before {
		f.fresh()
		_, _, err := f.execute(ledger.KindPromote, f.release(v))
		require.NoError(t, err)
	}
	f.fresh()
	tgt := f.tgt()
	tgt.Strategy = config.Canary
	tgt.Steps = []config.CanaryStep{{Weight: 10, Pause: time.Second}, {Weight: 50, Pause: time.Second}}
	return f
}

// endpoints waits until the Service's ready endpoints are want, counted
// by the Deployment whose pods they are ("web-v1-0-0": 2), and fails the
// test if they never are: what kube-proxy spreads requests over.
func (f *fixture) endpoints(want map[string]int) {
	f.t.Helper()
	var got map[string]int
	ok := assert.Eventually(f.t, func() bool {
		list, err := f.admin.Clientset.DiscoveryV1().EndpointSlices(f.ns).List(context.Background(),
			metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + image})
		if err != nil {
			return false
		}
		got = map[string]int{}
		for _, s := range list.Items {
			for _, e := range s.Endpoints {
				if e.TargetRef == nil || (e.Conditions.Ready != nil && !*e.Conditions.Ready) {
					continue
				}
				got[deploymentOfPod(e.TargetRef.Name)]++
			}
		}
		return maps.Equal(got, want)
	}, 20*time.Second, 200*time.Millisecond)
	if !ok {
		f.t.Fatalf("the Service's ready endpoints are %v, want %v", got, want)
	}
}

// deploymentOfPod is the Deployment of a pod by its name (DEPLOYMENT-RS-POD).
func deploymentOfPod(pod string) string {
	parts := strings.Split(pod, "-")
	return strings.Join(parts[:max(len(parts)-2, 1)], "-")
}

// TestCanarySteps: the canary starts ready and out of the Service; each
// step sizes it so that its share of the Service's ready pods is the
// nearest to the step's weight (10% of 2 baseline pods: 1 of 3), with the
// Service selecting both releases' pods (and a release kept warm stopped,
// or it would get requests too); a new run resumes it as it is; 100%
// selects the canary alone at the target's size; Abort points the Service
// back at the baseline and deletes the canary, and can be repeated.
func TestCanarySteps(t *testing.T) {
	t.Parallel()
	f := canaryFixture(t, config.KeepWarm, "1.0.0", "1.1.0")
	ctx := t.Context()
	req := f.request(f.release("1.2.0"))
	require.Equal(t, 2, f.replicas("web-v1-0-0"), "1.0.0 is kept warm")

	before := f.calls.ByOperation()
	ready, err := f.target.StartCanary(ctx, req)
	require.NoError(t, err)
	t.Logf("API calls of StartCanary: %s", formatCalls(since(before, f.calls.ByOperation())))
	require.Len(t, ready, 1, "the first step's pods")
	assert.True(t, ready[0].Running)
	f.selects("1.1.0")
	assert.Equal(t, "1.1.0", f.service().Annotations[kubernetes.AnnotationBaseline])
	assert.Equal(t, 1, f.replicas("web-v1-2-0"))
	f.endpoints(map[string]int{"web-v1-1-0": 2})

	shared := map[string]string{kubernetes.LabelProject: f.project, kubernetes.LabelEnv: env,
		kubernetes.LabelImage: image, kubernetes.LabelPerRelease: "true"}
	require.NoError(t, f.target.Shift(ctx, req, ready, 10))
	assert.Equal(t, shared, f.service().Spec.Selector)
	assert.Equal(t, 1, f.replicas("web-v1-2-0"))
	assert.Equal(t, 2, f.replicas("web-v1-1-0"), "the baseline keeps its pods")
	assert.Equal(t, 0, f.replicas("web-v1-0-0"), "the release kept warm is stopped: the Service would select it")
	assert.Contains(t, f.progress.String(), "sent 33% of pods (1 of 3) behind Service "+f.ns+"/web to web@1.2.0 (the step asks 10%), the other 2 to web@1.1.0")
	f.endpoints(map[string]int{"web-v1-1-0": 2, "web-v1-2-0": 1})

	f.fresh() // a held canary resumed by `--continue`
	ready, err = f.target.StartCanary(ctx, req)
	require.NoError(t, err)
	assert.Len(t, ready, 1, "the held step's pods, as they are")
	assert.Equal(t, shared, f.service().Spec.Selector)

	require.NoError(t, f.target.Shift(ctx, req, ready, 50))
	assert.Equal(t, 2, f.replicas("web-v1-2-0"))
	assert.Contains(t, f.progress.String(), "sent 50% of pods (2 of 4)")
	f.endpoints(map[string]int{"web-v1-1-0": 2, "web-v1-2-0": 2})

	require.NoError(t, f.target.Shift(ctx, req, ready, 100))
	f.selects("1.2.0")
	assert.Equal(t, 2, f.replicas("web-v1-1-0"), "the baseline keeps its pods until it is retired")
	f.endpoints(map[string]int{"web-v1-2-0": 2})

	// An abort after the last step (its record failed) still knows the baseline.
	f.fresh()
	before = f.calls.ByOperation()
	require.NoError(t, f.target.Abort(ctx, req))
	t.Logf("API calls of Abort: %s", formatCalls(since(before, f.calls.ByOperation())))
	f.selects("1.1.0")
	assert.NotContains(t, f.service().Annotations, kubernetes.AnnotationBaseline)
	assert.Equal(t, []string{"web-v1-0-0", "web-v1-1-0"}, f.deployments(), "the canary is deleted")
	f.endpoints(map[string]int{"web-v1-1-0": 2})
	require.NoError(t, f.target.Abort(ctx, req), "abort is safe to repeat")
	f.selects("1.1.0")
}

// TestCanaryAbortAtAStep: an abort while the canary has its share points
// the Service back at the baseline in one apply.
func TestCanaryAbortAtAStep(t *testing.T) {
	t.Parallel()
	f := canaryFixture(t, config.KeepStopped, "1.0.0")
	ctx := t.Context()
	req := f.request(f.release("1.1.0"))
	ready, err := f.target.StartCanary(ctx, req)
	require.NoError(t, err)
	require.NoError(t, f.target.Shift(ctx, req, ready, 50))
	f.endpoints(map[string]int{"web-v1-0-0": 2, "web-v1-1-0": 2})
	require.NoError(t, f.target.Shift(ctx, req, ready, 0))
	f.selects("1.0.0")
	assert.Equal(t, "1.0.0", f.service().Annotations[kubernetes.AnnotationBaseline], "still a canary, with no share")
	require.NoError(t, f.target.Shift(ctx, req, ready, 50))

	f.fresh()
	before := f.calls.ByOperation()
	require.NoError(t, f.target.Abort(ctx, req))
	calls := since(before, f.calls.ByOperation())
	assert.Equal(t, 1, calls["apply services"])
	f.selects("1.0.0")
	assert.Equal(t, []string{"web-v1-0-0"}, f.deployments())
	f.endpoints(map[string]int{"web-v1-0-0": 2})
	assert.Contains(t, f.progress.String(), "sent every request behind Service "+f.ns+"/web back to web@1.0.0 (2 pods)")

	_, _, err = f.target.Traffic(ctx, req, ready, time.Now())
	assert.ErrorIs(t, err, targets.ErrNoTraffic)
}

// TestCanaryUnready: a canary whose pods never become ready fails
// StartCanary as a blue-green deployment fails, naming the pods and their
// warning events; its Deployment is deleted and the Service never moved.
func TestCanaryUnready(t *testing.T) {
	t.Parallel()
	f := canaryFixture(t, config.KeepWarm, "1.0.0")
	f.tgt().HealthTimeout = 6 * time.Second
	svc := f.service()
	f.fate("unready")
	_, err := f.target.StartCanary(t.Context(), f.request(f.release("1.1.0")))
	require.ErrorIs(t, err, targets.ErrUnhealthy)
	assert.Contains(t, err.Error(), "pod web-v1-1-0-")
	assert.Contains(t, err.Error(), "Unhealthy: Readiness probe failed")
	assert.Equal(t, []string{"web-v1-0-0"}, f.deployments())
	f.selects("1.0.0")
	assert.Equal(t, svc.ResourceVersion, f.service().ResourceVersion, "the Service was never touched")
}

// TestCanaryAfterRolling: a canary needs the release it replaces in a
// Deployment of its own; after the rolling strategy it says so and
// changes nothing.
func TestCanaryAfterRolling(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.Rolling, config.KeepStopped, 3)
	_, _, err := f.execute(ledger.KindPromote, f.release("1.0.0"))
	require.NoError(t, err)
	f.fresh()
	f.tgt().Strategy = config.Canary
	before := f.deployments()
	_, err = f.target.StartCanary(t.Context(), f.request(f.release("1.1.0")))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "selects the rolling Deployment: deploy once with strategy blue-green first")
	assert.Equal(t, before, f.deployments())
	assert.True(t, slices.Contains(before, "web"), fmt.Sprint(before))
}

// TestCanaryPlan: a canary's plan says each step's share of the pods and
// that the queries alone judge it; with nothing serving, that it goes in
// as blue-green.
func TestCanaryPlan(t *testing.T) {
	t.Parallel()
	f := canaryFixture(t, config.KeepStopped, "1.0.0")
	limit := 0.5
	f.tgt().Analysis = &config.Analysis{Interval: time.Second, Prometheus: "http://127.0.0.1:9090",
		Queries: []config.MetricQuery{{Name: "errors", Query: "vector(0)", Max: &limit}}}
	req := f.request(f.release("1.1.0"))
	p, err := f.target.Plan(t.Context(), req, "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, config.Canary, p.Strategy)
	assert.Equal(t, 1, p.Start, "the first step's pods")
	steps := strings.Join(p.Steps, "\n")
	assert.Contains(t, steps, "apply Deployment web-v1-1-0 beside web-v1-0-0, which keeps serving: 1 x ")
	assert.Contains(t, steps, "every 1s ask Prometheus at http://127.0.0.1:9090: errors at most 0.5 (a Service counts no requests per release")
	assert.Contains(t, steps, "step 1 of 2: scale web-v1-1-0 to 1 pod(s) and point Service "+f.ns+"/web at both releases' pods: web@1.1.0 gets 33% of the ready pods (1 of 3; the step asks 10%) for 1s")
	assert.Contains(t, steps, "step 2 of 2: scale web-v1-1-0 to 2 pod(s)")
	assert.Contains(t, steps, "then point Service "+f.ns+"/web at web@1.1.0 alone (2 pods)")
	assert.Contains(t, steps, "scale Deployment web-v1-0-0 to zero, kept for rollback")
	assert.Equal(t, []string{"web-v1-0-0"}, f.deployments(), "a plan changes nothing")

	first, err := f.target.Plan(t.Context(), req, "")
	require.NoError(t, err)
	assert.Contains(t, first.Steps[0], "nothing serves yet")
}

// TestCanaryBaselineWithoutPods: a baseline scaled to zero by hand has no
// pods to share requests with: the canary does not start.
func TestCanaryBaselineWithoutPods(t *testing.T) {
	t.Parallel()
	f := canaryFixture(t, config.KeepStopped, "1.0.0")
	_, err := f.admin.Clientset.AppsV1().Deployments(f.ns).Patch(t.Context(), "web-v1-0-0", types.MergePatchType,
		[]byte(`{"spec":{"replicas":0}}`), metav1.PatchOptions{})
	require.NoError(t, err)
	_, err = f.target.StartCanary(t.Context(), f.request(f.release("1.1.0")))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Deployment web-v1-0-0 of 1.0.0, which Service "+f.ns+"/web selects, has no pods to share the requests with")
	assert.Equal(t, []string{"web-v1-0-0"}, f.deployments())
}

// TestCanaryPodsUnreadyMidway: a canary pod that stops being ready during
// a step fails the next step change, as a canary that never became ready
// fails to start, rather than going on with less than its share.
func TestCanaryPodsUnreadyMidway(t *testing.T) {
	t.Parallel()
	f := canaryFixture(t, config.KeepStopped, "1.0.0")
	f.tgt().HealthTimeout = 3 * time.Second
	ctx := t.Context()
	req := f.request(f.release("1.1.0"))
	ready, err := f.target.StartCanary(ctx, req)
	require.NoError(t, err)
	require.NoError(t, f.target.Shift(ctx, req, ready, 10))

	// The kubelet's view of a failing readiness probe, as kwok would write it.
	pod, err := f.admin.Clientset.CoreV1().Pods(f.ns).Get(ctx, ready[0].Name, metav1.GetOptions{})
	require.NoError(t, err)
	for i, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady || c.Type == corev1.ContainersReady {
			pod.Status.Conditions[i].Status = corev1.ConditionFalse
		}
	}
	_, err = f.admin.Clientset.CoreV1().Pods(f.ns).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return f.deployment("web-v1-1-0").Status.AvailableReplicas == 0
	}, 10*time.Second, 100*time.Millisecond)

	err = f.target.Shift(ctx, req, ready, 10)
	require.ErrorIs(t, err, targets.ErrUnhealthy)
	assert.Contains(t, err.Error(), "pod "+ready[0].Name)
}
