package kubernetes

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// applyTakingBack applies bake's Service and takes back what a hand edit
// changed under its spec. The forced apply takes back a field bake sets
// (the selector); a field bake does not set (sessionAffinity, another
// port) would stay with the manager that set it, so bake first makes
// itself the owner of those fields and applies again: a field its apply
// then leaves out is removed, as for any field bake stopped setting.
// Without a hand edit this is the one apply.
func applyTakingBack(ctx context.Context, cs kubernetes.Interface, obj *corev1ac.ServiceApplyConfiguration) (*corev1.Service, error) {
	services := cs.CoreV1().Services(*obj.Namespace)
	svc, err := services.Apply(ctx, obj, applyOptions)
	if err != nil {
		return nil, err
	}
	owners, changed, err := takenOwnership(svc.ManagedFields)
	if err != nil || !changed {
		return svc, err
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"managedFields": owners, "resourceVersion": svc.ResourceVersion}})
	if err != nil {
		return nil, err
	}
	if _, err := services.Patch(ctx, svc.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: FieldManager}); err != nil {
		return nil, fmt.Errorf("taking back the fields of Service %s/%s edited by hand: %w", svc.Namespace, svc.Name, err)
	}
	return services.Apply(ctx, obj, applyOptions)
}

// takenOwnership moves every field under spec that a manager other than
// bake (and not on the status subresource) owns into bake's apply entry.
// It reports whether anything moved.
func takenOwnership(entries []metav1.ManagedFieldsEntry) ([]metav1.ManagedFieldsEntry, bool, error) {
	spec := "spec"
	ours := &fieldpath.Set{}
	for _, e := range entries {
		if e.Manager == FieldManager {
			ours = ours.Union(fieldsOf(e))
		}
	}
	taken := &fieldpath.Set{}
	out := make([]metav1.ManagedFieldsEntry, 0, len(entries))
	mine := -1
	for _, e := range entries {
		if e.Manager == FieldManager || e.Subresource == "status" || e.FieldsV1 == nil {
			if e.Manager == FieldManager && e.Operation == metav1.ManagedFieldsOperationApply {
				mine = len(out)
			}
			out = append(out, e)
			continue
		}
		set := &fieldpath.Set{}
		if err := set.FromJSON(bytes.NewReader(e.FieldsV1.Raw)); err != nil {
			return nil, false, fmt.Errorf("reading the fields %q owns: %w", e.Manager, err)
		}
		// A field bake owns too holds bake's value: only the others move.
		theirs := &fieldpath.Set{}
		set.Difference(ours).Iterate(func(p fieldpath.Path) {
			if len(p) > 0 && p[0].FieldName != nil && *p[0].FieldName == spec {
				theirs.Insert(p)
			}
		})
		if theirs.Empty() {
			out = append(out, e)
			continue
		}
		taken = taken.Union(theirs)
		if rest := set.Difference(theirs); !rest.Empty() {
			raw, err := rest.ToJSON()
			if err != nil {
				return nil, false, err
			}
			e.FieldsV1 = &metav1.FieldsV1{Raw: raw}
			out = append(out, e)
		}
	}
	if taken.Empty() || mine < 0 {
		return entries, false, nil
	}
	set := &fieldpath.Set{}
	if err := set.FromJSON(bytes.NewReader(out[mine].FieldsV1.Raw)); err != nil {
		return nil, false, err
	}
	raw, err := set.Union(taken).ToJSON()
	if err != nil {
		return nil, false, err
	}
	out[mine].FieldsV1 = &metav1.FieldsV1{Raw: raw}
	return out, true, nil
}
