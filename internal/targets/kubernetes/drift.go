package kubernetes

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/targets"
)

// driftOf compares an environment's record with what runs: the Service
// selects the recorded release and nothing else; the recorded release's
// Deployment exists, is settled at the target's number of pods and runs
// the recorded digest; no other Deployment runs pods, but the replaced
// release's when the environment keeps it warm and a canary under way's;
// and nobody but bake and the cluster's controllers owns a field under
// spec of the Service or of bake's Deployments.
func driftOf(project string, o targets.Observation, s snapshot) []string {
	var drift []string
	add := func(format string, args ...any) { drift = append(drift, fmt.Sprintf(format, args...)) }
	rolling := o.Target.Strategy == config.Rolling
	foreign := false
	if s.service != nil {
		if why := notOurService(s.service, project, o.Env, o.Image); why != "" {
			// Not bake's: its selector and its editors are no drift of
			// bake's objects, and the next promote refuses to take it over.
			add("service %s in namespace %s %s: bake does not deploy through it", s.serviceName, s.namespace, why)
			s.service, foreign = nil, true
		}
	}
	var rec *appsv1.Deployment
	if o.Version != "" {
		name := DeploymentName(o.Image, o.Version)
		if rolling {
			name = RollingName(o.Image)
		}
		if rec = s.deployment(name); rec == nil {
			add("the record says %s runs, but its deployment %s does not exist in namespace %s", o.Version, name, s.namespace)
		} else {
			drift = append(drift, recordedDrift(o, rec)...)
		}
		want := ServiceSelector(project, o.Env, o.Image, o.Version)
		if rolling {
			want = RollingSelector(project, o.Env, o.Image)
		}
		switch {
		case o.Canary != "", foreign:
			// A canary under way shares the Service on purpose.
		case s.service == nil:
			add("the record says %s runs, but service %s does not exist in namespace %s", o.Version, s.serviceName, s.namespace)
		case !maps.Equal(s.service.Spec.Selector, want):
			add("service %s selects %s, but the record says %s runs", s.serviceName, s.selectsVersion(), o.Version)
		}
	} else if s.service != nil && len(s.selected()) > 0 {
		add("nothing is recorded, but service %s selects %s", s.serviceName, s.selectsVersion())
	}
	for i := range s.deployments {
		d := &s.deployments[i]
		switch {
		case d == rec, desired(d) == 0:
		case o.Keep == config.KeepWarm && o.Previous != "" && versionOf(d) == o.Previous:
		case o.Canary != "" && d.Annotations[AnnotationDigest] == o.Canary:
		case o.Version == "":
			add("nothing is recorded, but deployment %s (%s) runs %d pods", d.Name, versionOf(d), desired(d))
		default:
			add("deployment %s (%s) runs %d pods, not in the record", d.Name, versionOf(d), desired(d))
		}
	}
	if s.service != nil {
		drift = append(drift, handEdits("service "+s.serviceName,
			"the next promote or rollback takes it back", s.service.ManagedFields)...)
	}
	for i := range s.deployments {
		d := &s.deployments[i]
		drift = append(drift, handEdits("deployment "+d.Name, "bake takes it back when it next applies it", d.ManagedFields)...)
	}
	return drift
}

// recordedDrift says how the recorded release's Deployment differs from
// the record: not settled at the target's replicas, or another image.
func recordedDrift(o targets.Observation, d *appsv1.Deployment) []string {
	var drift []string
	if ok, why := settledTo(d, int32(o.Target.Replicas)); !ok {
		drift = append(drift, fmt.Sprintf("deployment %s (%s) is not settled: %s", d.Name, o.Version, why))
	}
	if v := versionOf(d); v != o.Version {
		drift = append(drift, fmt.Sprintf("deployment %s runs %s, but the record says %s", d.Name, v, o.Version))
	}
	if img := appImage(d); o.Digest != "" && !strings.HasSuffix(img, "@"+o.Digest) {
		drift = append(drift, fmt.Sprintf("deployment %s runs image %s, but the record says %s", d.Name, img, o.Digest))
	}
	return drift
}

// appImage is the image of the container bake owns in d's pods.
func appImage(d *appsv1.Deployment) string {
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name == ContainerName {
			return c.Image
		}
	}
	return "(no container " + ContainerName + ")"
}

// handEdits names the managers other than bake that own fields under spec
// of an object, and those fields. The cluster's controllers write status
// only (their Update is on the status subresource, or touches no spec
// field), so any such manager is a person or a tool editing by hand. A
// field bake owns too holds the value bake applied (an apply of the value
// another manager set makes them share it; a different value is forced
// back): that is no hand edit.
func handEdits(object, after string, entries []metav1.ManagedFieldsEntry) []string {
	var out []string
	for _, e := range editsOf(entries) {
		out = append(out, fmt.Sprintf("%s: %q owns %s (edited by hand; %s)", object, e.manager, strings.Join(e.paths, ", "), after))
	}
	return out
}

// edit is a manager other than bake and the controllers that owns fields
// under spec of an object, and those fields.
type edit struct {
	manager string
	paths   []string
}

// editsOf are the hand edits of an object's managedFields (see handEdits).
func editsOf(entries []metav1.ManagedFieldsEntry) []edit {
	ours := &fieldpath.Set{}
	for _, e := range entries {
		if e.Manager == FieldManager {
			ours = ours.Union(fieldsOf(e))
		}
	}
	var out []edit
	for _, e := range entries {
		if e.Manager == FieldManager || e.Subresource == "status" {
			continue
		}
		if paths := specPaths(fieldsOf(e).Difference(ours)); len(paths) > 0 {
			out = append(out, edit{manager: e.Manager, paths: paths})
		}
	}
	return out
}

// fieldsOf is the set of fields a managedFields entry owns; empty if it
// cannot be read.
func fieldsOf(e metav1.ManagedFieldsEntry) *fieldpath.Set {
	set := &fieldpath.Set{}
	if e.FieldsV1 == nil || set.FromJSON(bytes.NewReader(e.FieldsV1.Raw)) != nil {
		return &fieldpath.Set{}
	}
	return set
}

// collapsed are fields whose children are names chosen by users (labels,
// annotations): an edit is named by the field, not by each key.
var collapsed = []string{"selector", "matchLabels", "labels", "annotations", "nodeSelector", "requests", "limits"}

// specPaths are the fields under spec of set, as dotted paths
// (spec.selector, spec.template.spec.containers[name=app].image); several
// fields of one list entry are named by the entry (spec.ports[port=9000,protocol=TCP]).
func specPaths(set *fieldpath.Set) []string {
	type leaf struct{ full, entry string }
	var leaves []leaf
	perEntry := map[string]int{}
	set.Leaves().Iterate(func(p fieldpath.Path) {
		if len(p) < 2 || p[0].FieldName == nil || *p[0].FieldName != "spec" {
			return
		}
		var b strings.Builder
		entry := ""
	path:
		for i, el := range p {
			switch {
			case el.FieldName != nil:
				if i > 0 {
					b.WriteByte('.')
				}
				b.WriteString(*el.FieldName)
				if slices.Contains(collapsed, *el.FieldName) {
					break path
				}
			case el.Key != nil:
				var kv []string
				for _, f := range *el.Key {
					kv = append(kv, f.Name+"="+fmt.Sprint(f.Value.Unstructured()))
				}
				b.WriteString("[" + strings.Join(kv, ",") + "]")
				entry = b.String()
			default:
				b.WriteString(el.String())
			}
		}
		l := leaf{full: b.String(), entry: entry}
		if !slices.Contains(leaves, l) {
			leaves = append(leaves, l)
			perEntry[entry]++
		}
	})
	var out []string
	for _, l := range leaves {
		name := l.full
		if l.entry != "" && perEntry[l.entry] > 1 {
			name = l.entry
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}
