package kubernetes

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/targets"
)

// Observe reads the Deployments bake runs for o's image in o's
// environment, their pods (the replicas) and the Service, and compares
// them with the record.
func (t *Target) Observe(ctx context.Context, o targets.Observation) (targets.State, error) {
	cl, err := t.client(ctx, o.Target)
	if err != nil {
		return targets.State{}, err
	}
	s, err := t.read(ctx, cl.Clientset, targets.Request{Env: o.Env, Image: &config.Image{Name: o.Image}, Target: o.Target})
	if err != nil {
		return targets.State{}, cl.Wrap(err)
	}
	st := targets.State{Replicas: s.replicas(), Detail: s.detail(), Lines: s.lines(o), Drift: driftOf(t.project, o, s)}
	return st, nil
}

// snapshot is what runs for an image in an environment: bake's
// Deployments, their pods and the Service (nil when it does not exist).
type snapshot struct {
	namespace, serviceName string
	deployments            []appsv1.Deployment
	pods                   []corev1.Pod
	service                *corev1.Service
}

// read lists bake's Deployments and pods of req's image in req's
// environment, and gets the Service: three calls. A namespace that does
// not exist holds nothing.
func (t *Target) read(ctx context.Context, cs kubernetes.Interface, req targets.Request) (snapshot, error) {
	s := snapshot{namespace: t.namespaceOf(req), serviceName: serviceOf(req)}
	image := req.Image.Name
	sel := metav1.ListOptions{LabelSelector: Selector(t.project, req.Env, image).String()}
	deps, err := cs.AppsV1().Deployments(s.namespace).List(ctx, sel)
	if err != nil {
		return s, fmt.Errorf("listing the deployments of %s in namespace %q: %w", image, s.namespace, err)
	}
	s.deployments = deps.Items
	slices.SortFunc(s.deployments, func(a, b appsv1.Deployment) int { return strings.Compare(a.Name, b.Name) })
	pods, err := cs.CoreV1().Pods(s.namespace).List(ctx, sel)
	if err != nil {
		return s, fmt.Errorf("listing the pods of %s in namespace %q: %w", image, s.namespace, err)
	}
	s.pods = pods.Items
	slices.SortFunc(s.pods, func(a, b corev1.Pod) int { return strings.Compare(a.Name, b.Name) })
	svc, err := cs.CoreV1().Services(s.namespace).Get(ctx, s.serviceName, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return s, fmt.Errorf("reading service %q in namespace %q: %w", s.serviceName, s.namespace, err)
	default:
		s.service = svc
	}
	return s, nil
}

// podsOf are the pods d's selector selects, but for those being deleted.
func (s *snapshot) podsOf(d *appsv1.Deployment) []corev1.Pod {
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil
	}
	var out []corev1.Pod
	for _, p := range s.pods {
		if p.DeletionTimestamp == nil && sel.Matches(labels.Set(p.Labels)) {
			out = append(out, p)
		}
	}
	return out
}

// selects reports whether the Service sends traffic to d's pods: its
// selector matches d's pod template.
func (s *snapshot) selects(d *appsv1.Deployment) bool {
	if s.service == nil || len(s.service.Spec.Selector) == 0 {
		return false
	}
	return labels.SelectorFromSet(s.service.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels))
}

// selected are the Deployments the Service sends traffic to.
func (s *snapshot) selected() []*appsv1.Deployment {
	var out []*appsv1.Deployment
	for i := range s.deployments {
		if s.selects(&s.deployments[i]) {
			out = append(out, &s.deployments[i])
		}
	}
	return out
}

// deployment returns the Deployment named name, or nil.
func (s *snapshot) deployment(name string) *appsv1.Deployment {
	for i := range s.deployments {
		if s.deployments[i].Name == name {
			return &s.deployments[i]
		}
	}
	return nil
}

// replicas are the pods of bake's Deployments, as replicas: Running when
// Ready, and Upstream (the pod's name) when the Service selects it.
func (s *snapshot) replicas() []targets.Replica {
	out := []targets.Replica{}
	for i := range s.deployments {
		d := &s.deployments[i]
		selected := s.selects(d)
		for _, p := range s.podsOf(d) {
			r := targets.Replica{ID: string(p.UID), Name: p.Name, Version: cmp.Or(p.Labels[LabelVersion], versionOf(d)),
				Digest: cmp.Or(p.Annotations[AnnotationDigest], d.Annotations[AnnotationDigest]), Running: podReady(&p),
				Operation: d.Labels[LabelOperation]}
			if selected {
				r.Upstream = p.Name
			}
			out = append(out, r)
		}
	}
	return out
}

func versionOf(d *appsv1.Deployment) string { return d.Labels[LabelVersion] }

// desired is how many pods d asks for.
func desired(d *appsv1.Deployment) int32 {
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}

// settledTo reports whether d's controller has caught up with its spec and
// every pod it asks for is updated and available (why not, otherwise).
func settledTo(d *appsv1.Deployment, replicas int32) (bool, string) {
	st := d.Status
	for _, c := range st.Conditions {
		if c.Type == appsv1.DeploymentProgressing && c.Reason == "ProgressDeadlineExceeded" {
			return false, "its rollout exceeded its progress deadline: " + c.Message
		}
	}
	switch {
	case st.ObservedGeneration < d.Generation:
		return false, "its controller has not yet seen its newest spec"
	case desired(d) != replicas:
		return false, fmt.Sprintf("it asks for %d pods, not %d", desired(d), replicas)
	case st.UpdatedReplicas != replicas || st.AvailableReplicas != replicas || st.Replicas != replicas:
		return false, fmt.Sprintf("%d/%d pods are updated and available", min(st.UpdatedReplicas, st.AvailableReplicas), replicas)
	}
	return true, ""
}

// selectsVersion says what the Service selects, in words: a version, the
// rolling Deployment, or the selector itself when it is none of bake's.
func (s *snapshot) selectsVersion() string {
	if s.service == nil {
		return ""
	}
	sel := s.service.Spec.Selector
	switch {
	case len(sel) == 0:
		return "nothing (no selector)"
	case sel[LabelRolling] == "true":
		if d := s.selected(); len(d) == 1 {
			return fmt.Sprintf("%s (rolling deployment %s)", versionOf(d[0]), d[0].Name)
		}
		return "the rolling deployment"
	case sel[LabelVersion] != "":
		return sel[LabelVersion]
	case sel[LabelPerRelease] == "true":
		return s.sharedVersions()
	}
	return "the pods labelled " + labels.Set(sel).String() + ", none of bake's releases"
}

// sharedVersions says which releases the selector a canary shares the
// requests with selects: the baseline its annotation names first, then
// the canary, in words.
func (s *snapshot) sharedVersions() string {
	base := s.service.Annotations[AnnotationBaseline]
	var first, rest []string
	for _, d := range s.selected() {
		switch v := versionOf(d); {
		case v == base:
			first = append(first, v)
		case base != "":
			rest = append(rest, v+" (canary)")
		default:
			rest = append(rest, v)
		}
	}
	if all := append(first, rest...); len(all) > 0 {
		return strings.Join(all, " and ")
	}
	return "no release: no Deployment of bake's matches its selector for a canary"
}

// lines say what runs, one line per Deployment and one for the Service.
func (s *snapshot) lines(o targets.Observation) []string {
	var out []string
	for i := range s.deployments {
		d := &s.deployments[i]
		line := fmt.Sprintf("deployment %s (%s): %d/%d ready", d.Name, versionOf(d), d.Status.ReadyReplicas, desired(d))
		out = append(out, line+roleOf(d, s.selects(d), o))
	}
	switch {
	case s.service != nil:
		out = append(out, fmt.Sprintf("service %s selects %s", s.serviceName, s.selectsVersion()))
	case o.Version != "" || len(s.deployments) > 0:
		out = append(out, fmt.Sprintf("service %s does not exist in namespace %s", s.serviceName, s.namespace))
	}
	return out
}

// roleOf says why d runs beside the Deployment in traffic, as the record
// explains it: the canary under way, the replaced release kept warm, or a
// stopped release kept for rollback. One the record does not explain was
// left by a run that did not finish (killed, or still under way).
func roleOf(d *appsv1.Deployment, selected bool, o targets.Observation) string {
	switch v := versionOf(d); {
	case selected:
		return ""
	case desired(d) == 0:
		return ", stopped"
	case o.Canary != "" && d.Annotations[AnnotationDigest] == o.Canary:
		return ", canary"
	case v == o.Version:
		return ", out of traffic"
	case v == o.Previous && v != "" && o.Keep == config.KeepWarm:
		return ", kept warm"
	}
	return fmt.Sprintf(", left by run %s, which did not finish (interrupted, or still under way): bake recover or bake sweep --kubernetes removes it",
		cmp.Or(d.Labels[LabelOperation], "unknown"))
}

// Detail is what `bake status --output json` shows of a kubernetes target.
type Detail struct {
	Namespace   string             `json:"namespace"`
	Service     *ServiceDetail     `json:"service"` // nil when it does not exist
	Deployments []DeploymentDetail `json:"deployments"`
}

// ServiceDetail is the environment's Service.
type ServiceDetail struct {
	Name     string            `json:"name"`
	Selector map[string]string `json:"selector"`
	Selects  string            `json:"selects"` // the version it selects, in words
}

// DeploymentDetail is one of bake's Deployments.
type DeploymentDetail struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	Digest    string `json:"digest"`
	Operation string `json:"operation"`
	Desired   int32  `json:"desired"`
	Ready     int32  `json:"ready"`
	Available int32  `json:"available"`
	Updated   int32  `json:"updated"`
	Selected  bool   `json:"selected"` // the Service sends traffic to it
}

func (s *snapshot) detail() Detail {
	d := Detail{Namespace: s.namespace, Deployments: []DeploymentDetail{}}
	if s.service != nil {
		d.Service = &ServiceDetail{Name: s.serviceName, Selector: s.service.Spec.Selector, Selects: s.selectsVersion()}
	}
	for i := range s.deployments {
		dep := &s.deployments[i]
		d.Deployments = append(d.Deployments, DeploymentDetail{Name: dep.Name, Version: versionOf(dep),
			Digest: dep.Annotations[AnnotationDigest], Operation: dep.Labels[LabelOperation], Desired: desired(dep),
			Ready: dep.Status.ReadyReplicas, Available: dep.Status.AvailableReplicas, Updated: dep.Status.UpdatedReplicas,
			Selected: s.selects(dep)})
	}
	return d
}
