package kubernetes

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	watchtools "k8s.io/client-go/tools/watch"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/kubex"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/targets"
)

// settled reports whether the Deployment controller has rolled d out: it
// saw d's newest spec, and every one of d's replicas runs that spec and
// is available, with no other pod left. Otherwise it says why not; an
// error means d will not settle (its progress deadline passed).
func settled(d *appsv1.Deployment) (bool, string, error) {
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing && c.Status == corev1.ConditionFalse && c.Reason == "ProgressDeadlineExceeded" {
			return false, "", fmt.Errorf("Deployment %s: %s", d.Name, c.Message)
		}
	}
	s := d.Status
	switch {
	case s.ObservedGeneration < d.Generation:
		return false, "the Deployment controller has not seen its newest spec yet", nil
	case s.UpdatedReplicas == want && s.AvailableReplicas == want && s.Replicas == want:
		return true, "", nil
	case s.UpdatedReplicas < want:
		return false, fmt.Sprintf("%d of %d pods updated, %d available", s.UpdatedReplicas, want, s.AvailableReplicas), nil
	}
	return false, fmt.Sprintf("%d of %d pods available", s.AvailableReplicas, want), nil
}

// waitSettled waits, within the target's health timeout, until the
// Deployment d (as bake last applied or read it) is settled and as many of
// its pods as it wants are ready, and returns them. It watches d from the
// version bake has, so a wait costs one watch however long it takes, and
// a list of the pods once the status says they are there (a status read
// just after a scale can still count pods that are going away). When time
// runs out, the error names the pods that are not ready and the newest
// warning event of each, and wraps ErrUnhealthy.
func (t *Target) waitSettled(ctx context.Context, cl *kubex.Client, req targets.Request, d *appsv1.Deployment) ([]targets.Replica, error) {
	timeout := req.Target.HealthTimeout
	if timeout <= 0 {
		timeout = config.DefaultHealthTimeout
	}
	start := time.Now()
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	pods, why, err := t.waitOn(wctx, cl, d)
	switch {
	case ctx.Err() != nil:
		return nil, targets.Interrupted(ctx, "the pods of Deployment "+d.Name)
	case err != nil && wctx.Err() == nil:
		return nil, fmt.Errorf("%w: %v%s", targets.ErrUnhealthy, err, t.failingPods(cl, d))
	case pods == nil:
		return nil, fmt.Errorf("%w: Deployment %s was not available within %s: %s%s",
			targets.ErrUnhealthy, d.Name, timeout, why, t.failingPods(cl, d))
	}
	t.step(progress.Healthy, "%s: %d pod(s) available after %s", d.Name, len(pods), time.Since(start).Round(time.Second))
	return replicasOfPods(pods, req), nil
}

// waitOn follows d until it is settled with its pods ready (and returns
// them), will not settle (an error), or ctx ends (nil pods, with the last
// reason it was not settled).
func (t *Target) waitOn(ctx context.Context, cl *kubex.Client, d *appsv1.Deployment) ([]corev1.Pod, string, error) {
	var events <-chan watch.Event
	why := "nothing read yet"
	for cur := d; ; {
		ok, reason, err := settled(cur)
		if err != nil {
			return nil, "", err
		}
		var recheck <-chan time.Time
		if ok {
			pods, err := t.pods(ctx, cl, cur.Namespace, labels.Set(cur.Spec.Selector.MatchLabels))
			if err != nil {
				return nil, why, err
			}
			ready := readyOf(pods, cur)
			if len(ready) >= int(*cur.Spec.Replicas) {
				return ready, "", nil
			}
			reason = fmt.Sprintf("%d of %d pods ready", len(ready), *cur.Spec.Replicas)
			recheck = time.After(500 * time.Millisecond)
		}
		why = reason
		if events == nil {
			w, err := watchtools.NewRetryWatcherWithContext(ctx, cur.ResourceVersion, watcher(func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				o.FieldSelector = fields.OneTermEqualSelector("metadata.name", d.Name).String()
				return cl.Clientset.AppsV1().Deployments(d.Namespace).Watch(ctx, o)
			}))
			if err != nil {
				return nil, why, err
			}
			defer w.Stop()
			events = w.ResultChan()
		}
		for waiting := true; waiting; {
			select {
			case <-ctx.Done():
				return nil, why, nil
			case <-recheck:
				waiting = false
			case ev, open := <-events:
				if !open {
					return nil, why, nil
				}
				if ev.Type == watch.Deleted {
					return nil, "", fmt.Errorf("Deployment %s was deleted while bake waited for it", d.Name)
				}
				if nd, isDeployment := ev.Object.(*appsv1.Deployment); isDeployment && (ev.Type == watch.Added || ev.Type == watch.Modified) {
					cur, waiting = nd, false
				}
			}
		}
	}
}

// readyOf are the pods of d's current template that are ready and not
// going away.
func readyOf(pods []corev1.Pod, d *appsv1.Deployment) []corev1.Pod {
	var out []corev1.Pod
	for _, p := range pods {
		if p.DeletionTimestamp == nil && podReady(&p) && belongs(&p, d) {
			out = append(out, p)
		}
	}
	return out
}

// watcher adapts a function to what a RetryWatcher watches with.
type watcher func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error)

func (f watcher) WatchWithContext(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	return f(ctx, o)
}

// pods lists the pods selector selects in ns.
func (t *Target) pods(ctx context.Context, cl *kubex.Client, ns string, selector labels.Set) ([]corev1.Pod, error) {
	list, err := cl.Clientset.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
	if err != nil {
		return nil, fmt.Errorf("listing the pods of %s in %s: %w", selector, ns, err)
	}
	slices.SortFunc(list.Items, func(a, b corev1.Pod) int { return strings.Compare(a.Name, b.Name) })
	return list.Items, nil
}

// replicasOfPods are pods as replicas of req's release.
func replicasOfPods(pods []corev1.Pod, req targets.Request) []targets.Replica {
	out := make([]targets.Replica, 0, len(pods))
	for _, p := range pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		out = append(out, targets.Replica{ID: string(p.UID), Name: p.Name, Version: req.Release.Version,
			Digest: req.Release.Digest, Running: podReady(&p), Operation: p.Labels[LabelOperation]})
	}
	return out
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// maxNamed is how many failing pods an error names.
const maxNamed = 3

// failingPods names the pods of d that are not ready, each with its newest
// warning event ("; pod web-v1-2-0-abc: Unhealthy: Readiness probe
// failed: ..."), for an error that says why d did not settle: two calls,
// on a context of its own (the wait's has ended).
func (t *Target) failingPods(cl *kubex.Client, d *appsv1.Deployment) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pods, err := t.pods(ctx, cl, d.Namespace, labels.Set(d.Spec.Selector.MatchLabels))
	if err != nil {
		return ""
	}
	var failing []corev1.Pod
	for _, p := range pods {
		if !podReady(&p) && p.DeletionTimestamp == nil && belongs(&p, d) {
			failing = append(failing, p)
		}
	}
	if len(failing) == 0 {
		return ""
	}
	events, err := cl.Clientset.CoreV1().Events(d.Namespace).List(ctx, metav1.ListOptions{
		FieldSelector: fields.AndSelectors(fields.OneTermEqualSelector("involvedObject.kind", "Pod"),
			fields.OneTermEqualSelector("type", corev1.EventTypeWarning)).String()})
	if err != nil {
		events = &corev1.EventList{}
	}
	var b strings.Builder
	for i, p := range failing {
		if i == maxNamed {
			fmt.Fprintf(&b, "; and %d more pod(s)", len(failing)-i)
			break
		}
		fmt.Fprintf(&b, "; pod %s: %s", p.Name, newestWarning(events.Items, &p))
	}
	return b.String()
}

// belongs reports whether pod p runs d's pod template as d now has it
// (during a rolling update, the old pods are ready and not in question).
func belongs(p *corev1.Pod, d *appsv1.Deployment) bool {
	v := d.Spec.Template.Labels[LabelVersion]
	return v == "" || p.Labels[LabelVersion] == v
}

// newestWarning is the newest warning event about p, "REASON: MESSAGE",
// or the pod's own state when there is none.
func newestWarning(events []corev1.Event, p *corev1.Pod) string {
	var newest *corev1.Event
	for i := range events {
		e := &events[i]
		if e.InvolvedObject.Name != p.Name || (e.InvolvedObject.UID != "" && e.InvolvedObject.UID != p.UID) {
			continue
		}
		if newest == nil || eventTime(e).After(eventTime(newest)) {
			newest = e
		}
	}
	if newest != nil {
		return newest.Reason + ": " + strings.TrimSpace(newest.Message)
	}
	for _, c := range p.Status.ContainerStatuses {
		if w := c.State.Waiting; w != nil {
			return fmt.Sprintf("container %s waiting: %s", c.Name, w.Reason)
		}
	}
	return fmt.Sprintf("%s, not ready, no warning event", p.Status.Phase)
}

// eventTime is when e was last seen.
func eventTime(e *corev1.Event) time.Time {
	switch {
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return e.Series.LastObservedTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.FirstTimestamp.Time
}

// stoppedAtRest waits until d, kept at zero pods, has none left: the
// Deployment controller saw its newest spec and its ReplicaSets report no
// pod. Scaled up again while the ReplicaSet controller still takes the
// pods of the scale to zero away (a rollback right after the promote that
// stopped it), pods counted ready could go right after the switch. It
// returns d as last read.
func (t *Target) stoppedAtRest(ctx context.Context, cl *kubex.Client, req targets.Request, d *appsv1.Deployment) (*appsv1.Deployment, error) {
	timeout := req.Target.HealthTimeout
	if timeout <= 0 {
		timeout = config.DefaultHealthTimeout
	}
	cur := d
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		if cur.Status.ObservedGeneration >= cur.Generation && cur.Status.Replicas == 0 {
			return true, nil
		}
		next, err := cl.Clientset.AppsV1().Deployments(d.Namespace).Get(ctx, d.Name, metav1.GetOptions{})
		if err != nil {
			return false, ignoreTransient(err)
		}
		cur = next
		return false, nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, targets.InterruptedWhile(ctx, "waiting for Deployment "+d.Name+" to stop")
		}
		return nil, fmt.Errorf("Deployment %s/%s, kept at zero, still had %d pod(s) after %s: %w", d.Namespace, d.Name, cur.Status.Replicas, timeout, err)
	}
	return cur, nil
}
