// Package kubernetes runs releases on a Kubernetes cluster: a Deployment
// per release, made from the release's image by digest, behind the
// environment's Service, whose selector moves to the new release in one
// apply once every pod of it is available. Everything is applied with
// server-side apply under the field manager "bake".
package kubernetes

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
)

// FieldManager owns, in managedFields, every field bake applies; another
// manager owning a spec field of bake's objects is a hand edit.
const FieldManager = "bake"

// Labels bake puts on its Deployments (and their pod templates).
const (
	LabelProject   = "bake.dev/project"
	LabelEnv       = "bake.dev/env"
	LabelImage     = "bake.dev/image"
	LabelVersion   = "bake.dev/version"   // the release's version, "1.2.0"
	LabelOperation = "bake.dev/operation" // the bake run that created the Deployment
	// LabelRolling marks the one Deployment of the rolling strategy (whose
	// pods change release in place), LabelPerRelease the Deployments of
	// blue-green and canary: a Service selects one kind, never both.
	LabelRolling    = "bake.dev/rolling"
	LabelPerRelease = "bake.dev/per-release"
)

// Annotations bake puts on its Deployments.
const (
	AnnotationDigest    = "bake.dev/digest"     // the release's image digest, sha256:...
	AnnotationReference = "bake.dev/reference"  // the image reference by digest, REPO@sha256:...
	AnnotationCreatedAt = "bake.dev/created-at" // RFC 3339, when bake created the Deployment
	// AnnotationBaseline on a Service names the version that served
	// before a canary started.
	AnnotationBaseline = "bake.dev/baseline"
)

// ContainerName is the name of the container bake owns in every pod.
const ContainerName = "app"

// DeploymentName is the Deployment of one release of image: IMAGE-vMAJOR-MINOR-PATCH
// (dots and a pre-release's + become hyphens: names are DNS labels).
func DeploymentName(image, version string) string {
	v := strings.NewReplacer(".", "-", "+", "-", "_", "-").Replace(strings.ToLower(version))
	return fmt.Sprintf("%s-v%s", image, v)
}

// RollingName is the one Deployment of image under the rolling strategy.
func RollingName(image string) string { return image }

// Selector selects everything bake runs for image in env of project.
func Selector(project, env, image string) labels.Set {
	return labels.Set{LabelProject: project, LabelEnv: env, LabelImage: image}
}

// ServiceSelector is the Service's selector that sends traffic to the
// pods of one release of image (blue-green and canary).
func ServiceSelector(project, env, image, version string) labels.Set {
	s := Selector(project, env, image)
	s[LabelVersion] = version
	s[LabelPerRelease] = "true"
	return s
}

// RollingSelector is the Service's selector under the rolling strategy:
// the pods of the one rolling Deployment, whatever their release.
func RollingSelector(project, env, image string) labels.Set {
	s := Selector(project, env, image)
	s[LabelRolling] = "true"
	return s
}

// Namespace is the namespace of image's objects in env when the target
// names none: PROJECT-ENV.
func Namespace(project, env string) string { return project + "-" + env }
