package config

import (
	"fmt"
	"slices"

	"gopkg.in/yaml.v3"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// DefaultServicePort is the port a kubernetes target's Service listens on
// when bake.yaml says none.
const DefaultServicePort = 80

// kubernetesRefused are keys of docker targets that a kubernetes target
// is told about in a line of its own rather than as unknown keys.
var kubernetesRefused = []string{"listen", "min_healthy"}

// refusedKeys returns those of kubernetesRefused that target mapping n
// has, for the section's check of unknown keys to leave to
// refuseForKubernetes.
func refusedKeys(n *yaml.Node) []string {
	var out []string
	for _, k := range kubernetesRefused {
		if key, _ := lookup(n, k); key != nil {
			out = append(out, k)
		}
	}
	return out
}

// noFrontDoor is why a kubernetes canary is judged by Prometheus alone.
const noFrontDoor = "kubernetes targets have no front door to measure; judge the canary with analysis.prometheus queries"

// frontDoorAnalysis are the analysis keys measured from the front door's
// traffic: requests served, their errors and latencies, and the
// statistical tests over them.
var frontDoorAnalysis = []string{"min_requests", "max_error_rate_increase", "max_latency_increase", "confidence"}

// refuseForKubernetes reports the docker keys a kubernetes target has no use for.
func (d *decoder) refuseForKubernetes(path string, s *section) {
	if k := s.Key("listen"); k != nil {
		d.Errorf(k, join(path, "listen"), "a kubernetes target has no front door: traffic goes through its Service (service, service_port); remove listen")
	}
	if k := s.Key("min_healthy"); k != nil {
		d.Errorf(k, join(path, "min_healthy"), "only applies to docker targets; a kubernetes rolling update takes no ready replica away before its replacement is ready: remove min_healthy")
	}
}

// kubernetesTarget decodes the keys of a kubernetes target of image img in
// environment env, with their defaults; broken says img has problems
// reported already.
func (d *decoder) kubernetesTarget(path string, s *section, at *yaml.Node, env string, img *Image, broken bool) *Kubernetes {
	k := &Kubernetes{Service: img.Name, ServicePort: DefaultServicePort, Port: img.Port}
	if d.projectName != "" && env != "" {
		k.Namespace = d.projectName + "-" + env
	}
	if v := s.Get("kubeconfig"); v != nil {
		if f, ok := d.str(join(path, "kubeconfig"), v); ok {
			if f == "" {
				d.Errorf(v, join(path, "kubeconfig"), "must not be empty: leave kubeconfig out for the usual KUBECONFIG chain (else ~/.kube/config)")
			}
			k.Kubeconfig = f
		}
	}
	if v := s.Get("context"); v != nil {
		k.Context, _ = d.str(join(path, "context"), v)
	}
	nsAt, svcAt := at, at
	if v := s.Get("namespace"); v != nil {
		nsAt = v
		if ns, ok := d.str(join(path, "namespace"), v); ok {
			k.Namespace = ns
		}
	}
	if v := s.Get("service"); v != nil {
		svcAt = v
		if svc, ok := d.str(join(path, "service"), v); ok {
			k.Service = svc
		}
	}
	nsOK := k.Namespace != "" && d.dnsLabel(nsAt, nsAt != at, join(path, "namespace"), "namespace", k.Namespace, validation.IsDNS1123Label(k.Namespace))
	// A Service's name is also a DNS name in the cluster: it starts with a letter.
	svcOK := !broken && d.dnsLabel(svcAt, svcAt != at, join(path, "service"), "service", k.Service, validation.IsDNS1035Label(k.Service))
	if v := s.Get("service_port"); v != nil {
		k.ServicePort, _ = d.number(join(path, "service_port"), v, 1, 65535)
	}
	if v := s.Get("port"); v != nil {
		k.Port, _ = d.number(join(path, "port"), v, 1, 65535)
	} else if k.Port == 0 && !broken && !s.Misspelt("port") {
		d.Errorf(at, join(path, "port"), "required: set port: or the image's port (images.%s.port)", img.Name)
	}
	if v := s.Get("resources"); v != nil {
		k.Resources = d.kubernetesResources(join(path, "resources"), s.Key("resources"), v)
	}
	if v := s.Get("pod"); v != nil {
		k.Pod = d.podPatch(join(path, "pod"), v)
	}
	if nsOK && svcOK {
		d.kube.claim(d, env, img.Name, k, nsAt, svcAt, path)
	}
	return k
}

// dnsLabel reports a name Kubernetes would refuse, written in bake.yaml or
// a default: problems are what apimachinery's validation found.
func (d *decoder) dnsLabel(n *yaml.Node, written bool, path, what, name string, problems []string) bool {
	if len(problems) == 0 {
		return true
	}
	rule := "lowercase letters, digits and hyphens, starting and ending with a letter or digit, at most 63"
	if what == "service" {
		rule = "lowercase letters, digits and hyphens, starting with a letter and ending with a letter or digit, at most 63"
	}
	if !written {
		d.Errorf(n, path, "the default %s %q is not a valid %s name (%s): set %s:", what, name, what, rule, what)
		return false
	}
	d.Errorf(n, path, "%q is not a valid %s name: %s", name, what, rule)
	return false
}

// resourceNames are the resources a container's requests and limits may name.
var resourceNames = []string{"cpu", "memory", "ephemeral-storage"}

// kubernetesResources decodes requests and limits, each a quantity that
// Kubernetes reads ("100m", "64Mi"), no limit below its request.
func (d *decoder) kubernetesResources(path string, at, n *yaml.Node) *KubernetesResources {
	s, ok := d.Section(path, at, n, fileKeys[KubernetesResources]("")...)
	if !ok {
		return nil
	}
	r := &KubernetesResources{}
	requests := d.quantities(join(path, "requests"), s.Get("requests"), &r.Requests)
	limits := d.quantities(join(path, "limits"), s.Get("limits"), &r.Limits)
	for name, lim := range limits {
		req, both := requests[name]
		if both && lim.q.Cmp(req.q) < 0 {
			d.Errorf(lim.n, join(join(path, "limits"), name), "%s is below requests.%s %s: a limit is at least the request", lim.n.Value, name, req.n.Value)
		}
	}
	return r
}

// quantity is a resource amount and where bake.yaml writes it.
type quantity struct {
	q resource.Quantity
	n *yaml.Node
}

// quantities decodes a mapping of resource names to quantities into out,
// and returns those it could read.
func (d *decoder) quantities(path string, n *yaml.Node, out *map[string]string) map[string]quantity {
	if n == nil {
		return nil
	}
	entries, ok := d.Entries(path, n)
	if !ok {
		return nil
	}
	read := map[string]quantity{}
	*out = map[string]string{}
	for _, e := range entries {
		name, qpath := e.Name(), join(path, e.Name())
		if !slices.Contains(resourceNames, name) {
			d.Errorf(e.Key, qpath, "%s", unknownName("resource", name, resourceNames))
			continue
		}
		text, ok := d.str(qpath, e.Value)
		if !ok {
			continue
		}
		q, err := resource.ParseQuantity(text)
		switch {
		case err != nil:
			d.Errorf(e.Value, qpath, "%q is not a quantity such as \"100m\", \"0.5\" or \"64Mi\"", text)
			continue
		case q.Sign() < 0:
			d.Errorf(e.Value, qpath, "must not be negative, got %s", text)
			continue
		}
		(*out)[name] = text
		read[name] = quantity{q: q, n: resolve(e.Value)}
	}
	return read
}

// kubernetesCanary checks a kubernetes target's canary: there is no front
// door whose traffic could be compared, so Prometheus queries judge it.
func (d *decoder) kubernetesCanary(path string, s *section, t *Target) {
	if t.Strategy != Canary {
		return
	}
	if t.Analysis != nil {
		// Nothing measures these on kubernetes: steps move on by time and queries.
		t.Analysis.MinRequests, t.Analysis.MaxErrorRateIncrease, t.Analysis.MaxLatencyIncrease, t.Analysis.Confidence = 0, 0, 0, 0
	}
	apath := join(path, "analysis")
	an := s.Get("analysis")
	if an == nil {
		if !s.Misspelt("analysis") {
			at := s.Key("analysis")
			if at == nil {
				at = s.Get("strategy")
			}
			d.Errorf(at, apath, "required with strategy canary: %s", noFrontDoor)
		}
		return
	}
	if an.Kind != yaml.MappingNode {
		return // reported by analysis
	}
	prometheus, misspelt := false, false
	for i := 0; i+1 < len(an.Content); i += 2 {
		k := an.Content[i]
		switch {
		case slices.Contains(frontDoorAnalysis, k.Value):
			d.Errorf(k, join(apath, k.Value), "%s", noFrontDoor)
		case k.Value == "prometheus":
			prometheus = true
		case suggest(k.Value, []string{"prometheus"}) != "":
			misspelt = true
		}
	}
	if !prometheus && !misspelt {
		d.Errorf(s.Key("analysis"), join(apath, "prometheus"), "required: %s", noFrontDoor)
	}
}

// kubernetesUse remembers the namespaces and Services kubernetes targets
// take, so that no two share what each must own alone.
type kubernetesUse struct {
	namespaces map[[4]string]string    // image, kubeconfig, context, namespace -> environment
	services   map[[4]string][2]string // kubeconfig, context, namespace, service -> environment, image
}

// claim takes k's namespace for image in env, and its Service; it reports
// an environment sharing the image's namespace, and images sharing a Service.
func (u *kubernetesUse) claim(d *decoder, env, image string, k *Kubernetes, nsAt, svcAt *yaml.Node, path string) {
	if u.namespaces == nil {
		u.namespaces, u.services = map[[4]string]string{}, map[[4]string][2]string{}
	}
	ns := [4]string{image, k.Kubeconfig, k.Context, k.Namespace}
	if first, taken := u.namespaces[ns]; taken {
		d.Errorf(nsAt, join(path, "namespace"), "environments %s and %s would share namespace %s for %s: set namespace:", first, env, k.Namespace, image)
		return
	}
	u.namespaces[ns] = env
	svc := [4]string{k.Kubeconfig, k.Context, k.Namespace, k.Service}
	if first, taken := u.services[svc]; taken {
		who := fmt.Sprintf("images %s and %s", first[1], image)
		if first[0] != env {
			who = fmt.Sprintf("%s in %s and %s in %s", first[1], first[0], image, env)
		}
		d.Errorf(svcAt, join(path, "service"), "%s would share service %s in namespace %s: set service:", who, k.Service, k.Namespace)
		return
	}
	u.services[svc] = [2]string{env, image}
}
