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
	// Namespace holds the image's Deployments and Service (a DNS label);
	// default PROJECT-ENV, created when missing. No two environments put
	// an image in one namespace of a cluster.
	Namespace string `yaml:"namespace"`
	// Service is the name of the Service traffic goes through (a DNS
	// label starting with a letter); default the image's name. No two
	// images share one.
	Service string `yaml:"service"`
	// ServicePort is the port the Service listens on, 1 to 65535.
	ServicePort int `yaml:"service_port" default:"80"`
	// Port is the container port the release serves on, 1 to 65535;
	// default the image's port.
	Port int `yaml:"port"`
	// Resources are the app container's requests and limits of cpu,
	// memory and ephemeral-storage, as Kubernetes quantities ("100m",
	// "128Mi"); no limit below its request.
	Resources *KubernetesResources `yaml:"resources"`
	// Pod is a strategic-merge patch of the pod template (metadata and
	// spec, read strictly as a Kubernetes PodTemplateSpec) the user owns:
	// env, volumes, service account, probes, sidecars. bake owns the app
	// container's image, the bake.dev/ labels and annotations and the
	// selector; containers are merged by name. Kept as JSON.
	Pod PodPatch `yaml:"pod"`
}

// KubernetesResources are a container's requests and limits.
type KubernetesResources struct {
	Requests map[string]string `yaml:"requests"` // what the container is guaranteed, by resource name
	Limits   map[string]string `yaml:"limits"`   // the most it may use, by resource name
}

// PodPatch is a strategic-merge patch of a pod template: the JSON of a
// PodTemplateSpec as bake.yaml writes it; nil for none.
type PodPatch []byte
