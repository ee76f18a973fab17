package kubernetes

import (
	"testing"

	"github.com/stretchr/testify/assert"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// entry is a managedFields entry of manager owning fields (FieldsV1 JSON).
func entry(manager string, op metav1.ManagedFieldsOperationType, fields string) metav1.ManagedFieldsEntry {
	return metav1.ManagedFieldsEntry{Manager: manager, Operation: op, FieldsType: "FieldsV1",
		FieldsV1: &metav1.FieldsV1{Raw: []byte(fields)}}
}

func TestHandEdits(t *testing.T) {
	const (
		selector = `{"f:spec":{"f:selector":{"f:bake.dev/version":{}}}}`
		ports    = `{"f:spec":{"f:ports":{}}}`
	)
	for _, c := range []struct {
		name    string
		entries []metav1.ManagedFieldsEntry
		want    []string
	}{
		{"bake alone", []metav1.ManagedFieldsEntry{entry("bake", metav1.ManagedFieldsOperationApply, selector)}, nil},
		{"a hand edit took the selector", []metav1.ManagedFieldsEntry{
			entry("bake", metav1.ManagedFieldsOperationApply, ports),
			entry("kubectl-patch", metav1.ManagedFieldsOperationUpdate, selector),
		}, []string{`service svc: "kubectl-patch" owns spec.selector (edited by hand; then)`}},
		// bake applied the very value the hand edit had set: they share
		// the field, whose value is bake's.
		{"bake applied the hand edit's value", []metav1.ManagedFieldsEntry{
			entry("bake", metav1.ManagedFieldsOperationApply, selector),
			entry("kubectl-patch", metav1.ManagedFieldsOperationUpdate, selector),
		}, nil},
		{"the controllers write status", []metav1.ManagedFieldsEntry{
			entry("bake", metav1.ManagedFieldsOperationApply, selector),
			{Manager: "kube-controller-manager", Operation: metav1.ManagedFieldsOperationUpdate, Subresource: "status",
				FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:status":{"f:replicas":{}}}`)}},
		}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, handEdits("service svc", "then", c.entries))
		})
	}
}
