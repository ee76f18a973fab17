package kubernetes

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/bakehq/bake/internal/targets"
)

// dryRun is what a plan applies with: as a deployment would, with the API
// server validating, defaulting and merging, and storing nothing.
var dryRun = metav1.ApplyOptions{DryRun: []string{metav1.DryRunAll}, FieldManager: FieldManager, Force: true}

// specDiff is a unified diff of two specs as YAML ("" when equal); a nil
// spec is an object that does not exist.
func specDiff(before, after any) (string, error) {
	a, err := specYAML(before)
	if err != nil {
		return "", err
	}
	b, err := specYAML(after)
	if err != nil {
		return "", err
	}
	if a == b {
		return "", nil
	}
	return difflib.GetUnifiedDiffString(difflib.UnifiedDiff{A: lines(a), B: lines(b),
		FromFile: "live", ToFile: "planned", Context: 3})
}

// lines splits text into lines, each with its newline; none for "".
func lines(text string) []string {
	if text == "" {
		return nil
	}
	return difflib.SplitLines(strings.TrimSuffix(text, "\n"))
}

func specYAML(spec any) (string, error) {
	if spec == nil {
		return "", nil
	}
	out, err := yaml.Marshal(spec)
	if err != nil {
		return "", fmt.Errorf("writing a spec as YAML: %w", err)
	}
	return string(out), nil
}

// namespaceChange says what the plan does to the namespace: create it
// when missing, or change its labels. exists reports whether it exists.
func (t *Target) namespaceChange(ctx context.Context, cs kubernetes.Interface, req targets.Request) (c targets.Change, exists bool, err error) {
	obj := t.namespaceFor(req)
	c = targets.Change{Kind: "Namespace", Name: *obj.Name, Action: targets.ActionKeep}
	live, err := cs.CoreV1().Namespaces().Get(ctx, *obj.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		c.Action = targets.ActionCreate
		c.Diff, err = specDiff(nil, map[string]any{"labels": obj.Labels})
		return c, false, err
	}
	if err != nil {
		return c, false, fmt.Errorf("reading namespace %s: %w", *obj.Name, err)
	}
	after, err := cs.CoreV1().Namespaces().Apply(ctx, obj, dryRun)
	if err != nil {
		return c, true, fmt.Errorf("dry run of namespace %s: %w", *obj.Name, err)
	}
	if !maps.Equal(live.Labels, after.Labels) {
		c.Action = targets.ActionUpdate
		c.Diff, err = specDiff(map[string]any{"labels": live.Labels}, map[string]any{"labels": after.Labels})
	}
	return c, true, err
}

// deploymentChange says what applying obj does to live (nil: it does not
// exist): create, scale (only spec.replicas changes), update, or keep.
// Without the namespace nothing can be dry-run: the diff is bake's own
// object, before the API server's defaults.
func deploymentChange(ctx context.Context, cs kubernetes.Interface, obj *appsv1ac.DeploymentApplyConfiguration, live *appsv1.Deployment, nsExists bool) (targets.Change, error) {
	c := targets.Change{Kind: "Deployment", Name: *obj.Name, Action: targets.ActionCreate}
	if !nsExists {
		var err error
		c.Diff, err = specDiff(nil, obj.Spec)
		return c, err
	}
	after, err := cs.AppsV1().Deployments(*obj.Namespace).Apply(ctx, obj, dryRun)
	if err != nil {
		return c, fmt.Errorf("dry run of Deployment %s/%s: %w", *obj.Namespace, *obj.Name, err)
	}
	if live == nil {
		c.Diff, err = specDiff(nil, after.Spec)
		return c, err
	}
	if c.Diff, err = specDiff(live.Spec, after.Spec); err != nil || c.Diff == "" {
		c.Action = targets.ActionKeep
		return c, err
	}
	c.Action = targets.ActionUpdate
	scaled := live.Spec.DeepCopy()
	scaled.Replicas = after.Spec.Replicas
	if same, err := specDiff(*scaled, after.Spec); err == nil && same == "" {
		c.Action = targets.ActionScale
	}
	return c, nil
}

// serviceChange says what applying obj does to the Service live (nil: it
// does not exist).
func serviceChange(ctx context.Context, cs kubernetes.Interface, obj *corev1ac.ServiceApplyConfiguration, live *corev1.Service, nsExists bool) (targets.Change, error) {
	c := targets.Change{Kind: "Service", Name: *obj.Name, Action: targets.ActionCreate}
	if !nsExists {
		var err error
		c.Diff, err = specDiff(nil, obj.Spec)
		return c, err
	}
	after, err := cs.CoreV1().Services(*obj.Namespace).Apply(ctx, obj, dryRun)
	if err != nil {
		return c, fmt.Errorf("dry run of Service %s/%s: %w", *obj.Namespace, *obj.Name, err)
	}
	if live == nil {
		c.Diff, err = specDiff(nil, after.Spec)
		return c, err
	}
	c.Diff, err = specDiff(live.Spec, after.Spec)
	c.Action = targets.ActionUpdate
	if c.Diff == "" {
		c.Action = targets.ActionKeep
	}
	return c, err
}

// retireChange says what Retire does to d with fate: keep it running
// (warm), scale it to zero, or delete it.
func retireChange(d *appsv1.Deployment, fate targets.Fate) (targets.Change, error) {
	c := targets.Change{Kind: "Deployment", Name: d.Name, Action: targets.ActionKeep}
	var err error
	switch {
	case fate == targets.FateRemove:
		c.Action = targets.ActionDelete
		c.Diff, err = specDiff(d.Spec, nil)
	case fate == targets.FateStop && desired(d) > 0:
		c.Action = targets.ActionScale
		stopped := d.Spec.DeepCopy()
		zero := int32(0)
		stopped.Replicas = &zero
		c.Diff, err = specDiff(d.Spec, *stopped)
	}
	return c, err
}
