package config

// Kubernetes is where a kubernetes target runs a release: a Deployment
// "<image>-v<version>" per release in Namespace, behind the Service that
// sends the environment's traffic to one release at a time.
type Kubernetes struct {
	// Kubeconfig is the kubeconfig file ("" for the usual KUBECONFIG chain,
	// else ~/.kube/config); a leading ~/ is the user's home.
	Kubeconfig string `yaml:"kubeconfig"`
	// Context is the kubeconfig's context to use ("" for its current one).
	Context string `yaml:"context"`
	// Namespace holds the image's Deployments and Service; default
	// PROJECT-ENV, created when missing.
	Namespace string `yaml:"namespace"`
	// Service is the name of the Service traffic goes through; default the
	// image's name.
	Service string `yaml:"service"`
	// ServicePort is the port the Service listens on (default 80).
	ServicePort int `yaml:"service_port" default:"80"`
	// Port is the container port the release serves on; default the
	// image's port (its first http check's).
	Port int `yaml:"port"`
	// Resources are the app container's requests and limits, as Kubernetes
	// quantities ("100m", "128Mi").
	Resources *KubernetesResources `yaml:"resources"`
	// Pod is a strategic-merge patch of the pod template the user owns
	// (env, volumes, service account, probes, sidecars); bake owns the app
	// container's image, its labels and the selector. Kept as JSON.
	Pod PodPatch `yaml:"pod"`
}

// KubernetesResources are a container's requests and limits.
type KubernetesResources struct {
	Requests map[string]string `yaml:"requests"` // cpu, memory, ephemeral-storage
	Limits   map[string]string `yaml:"limits"`
}

// PodPatch is a strategic-merge patch of a pod template (the JSON of a
// PodTemplateSpec, or of its spec when it has no metadata/spec keys);
// nil for none.
type PodPatch []byte
