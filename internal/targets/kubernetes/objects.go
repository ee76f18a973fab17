package kubernetes

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/probe"
	"github.com/bakehq/bake/internal/targets"
)

// DefaultServicePort is the Service's port when the target names none.
const DefaultServicePort = 80

// AnnotationTemplate on a Deployment is a digest of the pod template bake
// applied: a kept Deployment whose template bake would make the same
// (same release, same pod patch, port and resources) serves as it is.
const AnnotationTemplate = "bake.dev/template"

// applyOptions are the options of every apply of bake's own objects: bake
// takes back any field another manager took (a hand edit is drift, and
// the next deployment undoes it).
var applyOptions = metav1.ApplyOptions{FieldManager: FieldManager, Force: true}

// namespaceOf is the namespace of req's objects.
func (t *Target) namespaceOf(req targets.Request) string {
	if k := req.Target.Kubernetes; k != nil && k.Namespace != "" {
		return k.Namespace
	}
	return Namespace(t.project, req.Env)
}

// serviceOf is the name of req's Service.
func serviceOf(req targets.Request) string {
	if k := req.Target.Kubernetes; k != nil && k.Service != "" {
		return k.Service
	}
	return req.Image.Name
}

// portOf is the container port the release serves on: the target's, else
// the image's http check's, else the image's; 0 for none.
func portOf(req targets.Request) int {
	if k := req.Target.Kubernetes; k != nil && k.Port > 0 {
		return k.Port
	}
	if c := req.Image.HealthCheck(); c != nil && c.HTTP.Port > 0 {
		return c.HTTP.Port
	}
	return req.Image.Port
}

func servicePortOf(req targets.Request) int {
	if k := req.Target.Kubernetes; k != nil && k.ServicePort > 0 {
		return k.ServicePort
	}
	return DefaultServicePort
}

func replicasOf(req targets.Request) int32 { return int32(max(req.Target.Replicas, 1)) }

// namespaceFor is the namespace of req's objects, labelled with the project.
func (t *Target) namespaceFor(req targets.Request) *corev1ac.NamespaceApplyConfiguration {
	return corev1ac.Namespace(t.namespaceOf(req)).WithLabels(map[string]string{LabelProject: t.project})
}

// serviceFor is req's Service, sending traffic to the pods selector selects.
func (t *Target) serviceFor(req targets.Request, selector labels.Set) *corev1ac.ServiceApplyConfiguration {
	port := corev1ac.ServicePort().WithName("http").WithProtocol(corev1.ProtocolTCP).WithPort(int32(servicePortOf(req)))
	if p := portOf(req); p > 0 {
		port.WithTargetPort(intstr.FromInt32(int32(p)))
	}
	return corev1ac.Service(serviceOf(req), t.namespaceOf(req)).
		WithLabels(Selector(t.project, req.Env, req.Image.Name)).
		WithSpec(corev1ac.ServiceSpec().WithType(corev1.ServiceTypeClusterIP).WithSelector(selector).WithPorts(port))
}

// created is what a Deployment keeps from its creation when bake applies
// it again: the run that created it and when.
type created struct {
	operation string
	at        time.Time
}

// createdOf reads what d keeps from its creation; a nil d is created now
// by t's run.
func (t *Target) createdOf(d *metav1.ObjectMeta) created {
	c := created{operation: t.operation, at: time.Now().UTC()}
	if d == nil {
		return c
	}
	if op := d.Labels[LabelOperation]; op != "" {
		c.operation = op
	}
	if at, err := time.Parse(time.RFC3339, d.Annotations[AnnotationCreatedAt]); err == nil {
		c.at = at
	}
	return c
}

// deploymentFor is the Deployment of req's release (blue-green, canary):
// its own name and selector, replicas of the target's size. existing is
// the Deployment as it is now (nil if there is none): its creator and
// creation time stay.
func (t *Target) deploymentFor(req targets.Request, existing *metav1.ObjectMeta) (*appsv1ac.DeploymentApplyConfiguration, error) {
	sel := ServiceSelector(t.project, req.Env, req.Image.Name, req.Release.Version)
	tpl, err := podTemplateFor(req, sel)
	if err != nil {
		return nil, err
	}
	c := t.createdOf(existing)
	lbls := maps.Clone(sel)
	lbls[LabelOperation] = c.operation
	annotations := releaseAnnotations(req.Release, c.at)
	if annotations[AnnotationTemplate], err = templateDigest(tpl); err != nil {
		return nil, err
	}
	return appsv1ac.Deployment(DeploymentName(req.Image.Name, req.Release.Version), t.namespaceOf(req)).
		WithLabels(lbls).
		WithAnnotations(annotations).
		WithSpec(appsv1ac.DeploymentSpec().
			WithReplicas(replicasOf(req)).
			WithSelector(metav1ac.LabelSelector().WithMatchLabels(sel)).
			WithTemplate(tpl)), nil
}

// rollingFor is the one Deployment of the rolling strategy running
// req's release: its pods are replaced one at a time, a new one ready
// before an old one goes.
func (t *Target) rollingFor(req targets.Request, existing *metav1.ObjectMeta) (*appsv1ac.DeploymentApplyConfiguration, error) {
	sel := RollingSelector(t.project, req.Env, req.Image.Name)
	podLabels := maps.Clone(sel)
	podLabels[LabelVersion] = req.Release.Version
	tpl, err := podTemplateFor(req, podLabels)
	if err != nil {
		return nil, err
	}
	tpl.WithAnnotations(map[string]string{AnnotationDigest: req.Release.Digest})
	return t.rollingWith(req, existing, tpl), nil
}

// rollingWith is the rolling Deployment of req's release with the pod
// template tpl.
func (t *Target) rollingWith(req targets.Request, existing *metav1.ObjectMeta, tpl *corev1ac.PodTemplateSpecApplyConfiguration) *appsv1ac.DeploymentApplyConfiguration {
	sel := RollingSelector(t.project, req.Env, req.Image.Name)
	c := t.createdOf(existing)
	lbls := maps.Clone(sel)
	lbls[LabelVersion] = req.Release.Version
	lbls[LabelOperation] = c.operation
	zero, one := intstr.FromInt32(0), intstr.FromInt32(1)
	return appsv1ac.Deployment(RollingName(req.Image.Name), t.namespaceOf(req)).
		WithLabels(lbls).
		WithAnnotations(releaseAnnotations(req.Release, c.at)).
		WithSpec(appsv1ac.DeploymentSpec().
			WithReplicas(replicasOf(req)).
			WithSelector(metav1ac.LabelSelector().WithMatchLabels(sel)).
			WithStrategy(appsv1ac.DeploymentStrategy().WithRollingUpdate(
				appsv1ac.RollingUpdateDeployment().WithMaxUnavailable(zero).WithMaxSurge(one))).
			WithTemplate(tpl))
}

func releaseAnnotations(rel ledger.Release, at time.Time) map[string]string {
	return map[string]string{
		AnnotationDigest:    rel.Digest,
		AnnotationReference: rel.Reference,
		AnnotationCreatedAt: at.UTC().Format(time.RFC3339),
	}
}

// templateDigest is the digest of a pod template bake applies.
func templateDigest(tpl *corev1ac.PodTemplateSpecApplyConfiguration) (string, error) {
	doc, err := json.Marshal(tpl)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("sha256:%x", sha256.Sum256(doc)), nil
}

// podTemplateFor is the pod template of req's release: bake's base (the
// app container with its port, resources and a readiness probe from the
// image's http check), the user's pod patch merged onto it, and then what
// bake owns set over both: the pod labels and the app container's image.
func podTemplateFor(req targets.Request, podLabels labels.Set) (*corev1ac.PodTemplateSpecApplyConfiguration, error) {
	if req.Release.Reference == "" {
		return nil, fmt.Errorf("%s@%s has no image reference by digest to run", req.Image.Name, req.Release.Version)
	}
	base, err := baseTemplate(req)
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(base)
	if err != nil {
		return nil, err
	}
	if k := req.Target.Kubernetes; k != nil && len(k.Pod) > 0 {
		patch, err := podPatchOf(k.Pod)
		if err != nil {
			return nil, err
		}
		if ownsReadiness(patch) {
			if doc, err = withoutReadiness(base); err != nil {
				return nil, err
			}
		}
		if doc, err = strategicpatch.StrategicMergePatch(doc, patch, corev1.PodTemplateSpec{}); err != nil {
			return nil, fmt.Errorf("merging the target's pod patch into %s's pod template: %w", req.Image.Name, err)
		}
	}
	tpl := &corev1ac.PodTemplateSpecApplyConfiguration{}
	if err := json.Unmarshal(doc, tpl); err != nil {
		return nil, fmt.Errorf("reading %s's pod template: %w", req.Image.Name, err)
	}
	tpl.WithLabels(podLabels)
	for i := range tpl.Spec.Containers {
		if c := &tpl.Spec.Containers[i]; c.Name != nil && *c.Name == ContainerName {
			c.WithImage(req.Release.Reference)
		}
	}
	return tpl, nil
}

// podPatchOf is the user's patch as a patch of a PodTemplateSpec: one
// that names neither metadata nor spec is a patch of the pod's spec.
func podPatchOf(p config.PodPatch) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(p, &m); err != nil {
		return nil, fmt.Errorf("reading the target's pod patch: %w", err)
	}
	_, meta := m["metadata"]
	_, spec := m["spec"]
	if meta || spec {
		return p, nil
	}
	return json.Marshal(map[string]json.RawMessage{"spec": json.RawMessage(p)})
}

// ownsReadiness reports whether a pod patch sets the app container's
// readinessProbe: the user's probe then replaces bake's whole (merged,
// a probe of another kind would have two handlers, which the API server
// refuses).
func ownsReadiness(patch []byte) bool {
	var p struct {
		Spec struct {
			Containers []map[string]json.RawMessage `json:"containers"`
		} `json:"spec"`
	}
	if json.Unmarshal(patch, &p) != nil {
		return false
	}
	for _, c := range p.Spec.Containers {
		var name string
		if _, set := c["readinessProbe"]; set && json.Unmarshal(c["name"], &name) == nil && name == ContainerName {
			return true
		}
	}
	return false
}

// withoutReadiness is base without the app container's readiness probe.
func withoutReadiness(base *corev1.PodTemplateSpec) ([]byte, error) {
	base = base.DeepCopy()
	for i := range base.Spec.Containers {
		if base.Spec.Containers[i].Name == ContainerName {
			base.Spec.Containers[i].ReadinessProbe = nil
		}
	}
	return json.Marshal(base)
}

// baseTemplate is bake's pod template before the user's patch.
func baseTemplate(req targets.Request) (*corev1.PodTemplateSpec, error) {
	c := corev1.Container{Name: ContainerName, Image: req.Release.Reference}
	port := portOf(req)
	if port > 0 {
		c.Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: int32(port), Protocol: corev1.ProtocolTCP}}
	}
	if k := req.Target.Kubernetes; k != nil && k.Resources != nil {
		var err error
		if c.Resources.Requests, err = quantities(k.Resources.Requests); err != nil {
			return nil, err
		}
		if c.Resources.Limits, err = quantities(k.Resources.Limits); err != nil {
			return nil, err
		}
	}
	if check := req.Image.HealthCheck(); check != nil && port > 0 {
		data := probe.Data{Image: req.Image.Name, Version: req.Release.Version, Vars: req.Image.Vars}
		path, err := data.Render("path", check.HTTP.Path)
		if err != nil {
			return nil, err
		}
		if path == "" {
			path = "/"
		}
		probePort := port
		if check.HTTP.Port > 0 {
			probePort = check.HTTP.Port
		}
		c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: path, Port: intstr.FromInt32(int32(probePort)),
		}}, PeriodSeconds: 2, FailureThreshold: 3}
	}
	return &corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{c}}}, nil
}

func quantities(m map[string]string) (corev1.ResourceList, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := corev1.ResourceList{}
	for name, v := range m {
		q, err := resource.ParseQuantity(v)
		if err != nil {
			return nil, fmt.Errorf("resources: %s %q: %w", name, v, err)
		}
		out[corev1.ResourceName(name)] = q
	}
	return out, nil
}
