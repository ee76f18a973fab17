package kubernetes

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	watchtools "k8s.io/client-go/tools/watch"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/targets"
)

// watchWindow is how long fewer pods than the target's replicas may be
// ready during a watch before the release counts as unhealthy: a pod
// replaced by its Deployment comes back within it.
const watchWindow = 3 * time.Second

// Watch follows the pods of the release the Service selects for period
// after the switch: one list, then one watch. It returns an error wrapping
// ErrUnhealthy as soon as a container restarts, or fewer pods than the
// target's replicas have been ready for watchWindow.
func (t *Target) Watch(ctx context.Context, req targets.Request, _ []targets.Replica, period time.Duration) error {
	cl, err := t.client(ctx, req.Target)
	if err != nil {
		return err
	}
	ns := t.namespaceOf(req)
	selector := ServiceSelector(t.project, req.Env, req.Image.Name, req.Release.Version)
	if req.Target.Strategy == config.Rolling {
		selector = RollingSelector(t.project, req.Env, req.Image.Name)
	}
	what := req.Image.Name + "@" + req.Release.Version
	progress.Mark(t.progress, progress.Step{Kind: progress.Watch, Begins: true, Period: period, What: what},
		"watching the pods of %s for %s", what, period)
	list, err := cl.Clientset.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("listing the pods of %s in %s: %w", what, ns, err)
	}
	wctx, cancel := context.WithTimeout(ctx, period)
	defer cancel()
	w, err := watchtools.NewRetryWatcherWithContext(wctx, list.ResourceVersion, watcher(func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
		o.LabelSelector = selector.String()
		return cl.Clientset.CoreV1().Pods(ns).Watch(ctx, o)
	}))
	if err != nil {
		return err
	}
	defer w.Stop()

	pw := podWatch{want: int(replicasOf(req)), pods: map[string]*corev1.Pod{}, restarts: map[string]int32{}}
	for i := range list.Items {
		pw.see(&list.Items[i], true)
	}
	start := time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	events := w.ResultChan()
	for {
		if msg := pw.failure(); msg != "" {
			return fmt.Errorf("%w: %s, %s after the switch", targets.ErrUnhealthy, msg, time.Since(start).Round(time.Second))
		}
		select {
		case <-wctx.Done():
			if ctx.Err() != nil {
				return ctx.Err()
			}
			t.step(progress.Watch, "%s stayed healthy for %s", what, period)
			return nil
		case <-tick.C:
		case ev, open := <-events:
			if !open {
				events = nil // the watch ended with wctx; wait for it
				continue
			}
			p, isPod := ev.Object.(*corev1.Pod)
			if !isPod {
				continue
			}
			if ev.Type == watch.Deleted {
				delete(pw.pods, p.Name)
				continue
			}
			pw.see(p, false)
		}
	}
}

// podWatch is what a watch knows of a release's pods.
type podWatch struct {
	want     int
	pods     map[string]*corev1.Pod
	restarts map[string]int32 // each container's restarts when the watch began, by pod/container
	restart  string           // the first container seen restarting
	short    time.Time        // since when fewer than want pods are ready; zero while enough are
}

func (pw *podWatch) see(p *corev1.Pod, first bool) {
	pw.pods[p.Name] = p
	for _, c := range p.Status.ContainerStatuses {
		key := p.Name + "/" + c.Name
		before, known := pw.restarts[key]
		switch {
		case first || !known:
			pw.restarts[key] = c.RestartCount
		case c.RestartCount > before && pw.restart == "":
			pw.restart = fmt.Sprintf("container %s of pod %s restarted (restart count %d)", c.Name, p.Name, c.RestartCount)
		}
	}
}

// failure says why the release is unhealthy now; "" while it is not.
func (pw *podWatch) failure() string {
	if pw.restart != "" {
		return pw.restart
	}
	var ready int
	var notReady []string
	for name, p := range pw.pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		if podReady(p) {
			ready++
		} else {
			notReady = append(notReady, name)
		}
	}
	if ready >= pw.want {
		pw.short = time.Time{}
		return ""
	}
	if pw.short.IsZero() {
		pw.short = time.Now()
	}
	if time.Since(pw.short) < watchWindow {
		return ""
	}
	sort.Strings(notReady)
	msg := fmt.Sprintf("%d of %d pods ready", ready, pw.want)
	if len(notReady) > 0 {
		msg += " (not ready: " + strings.Join(notReady, ", ") + ")"
	}
	return msg
}
