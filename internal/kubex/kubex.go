// Package kubex opens Kubernetes API clients the way kubectl does (the
// KUBECONFIG chain, or one file, and a context), and counts the calls
// each run makes by verb and resource.
package kubex

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/bakehq/bake/internal/callcount"
)

// ErrKubeconfig means the kubeconfig or its context cannot be used: a
// missing or malformed file, or a context it does not have (bad input).
var ErrKubeconfig = errors.New("cannot use the kubeconfig")

// Cluster names a cluster as a kubeconfig does: a file ("" for the usual
// KUBECONFIG chain, else ~/.kube/config) and a context in it ("" for its
// current context).
type Cluster struct {
	Kubeconfig string
	Context    string
}

// String says where the cluster is configured, for messages.
func (c Cluster) String() string {
	file := c.Kubeconfig
	if file == "" {
		file = "the KUBECONFIG chain"
		if os.Getenv(clientcmd.RecommendedConfigPathEnvVar) == "" {
			file = clientcmd.RecommendedHomeFile
		}
	}
	if c.Context == "" {
		return file + ", its current context"
	}
	return fmt.Sprintf("%s, context %q", file, c.Context)
}

// Client is a typed client of one cluster.
type Client struct {
	Clientset kubernetes.Interface
	Config    *rest.Config
	Server    string // the API server's URL
	Context   string // the context used
}

// Open builds a client of c; every request it sends is counted in calls
// (nil: not counted). It reads files only and contacts nothing.
func Open(c Cluster, calls *callcount.Counter) (*Client, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if c.Kubeconfig != "" {
		rules.ExplicitPath = ExpandHome(c.Kubeconfig)
	}
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: c.Context})
	raw, err := loader.RawConfig()
	if err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrKubeconfig, c, err)
	}
	name := c.Context
	if name == "" {
		name = raw.CurrentContext
	}
	if name == "" {
		return nil, fmt.Errorf("%w %s: it sets no current context; name one with context:", ErrKubeconfig, c)
	}
	if _, ok := raw.Contexts[name]; !ok {
		return nil, fmt.Errorf("%w %s: it has no context %q", ErrKubeconfig, c, name)
	}
	cfg, err := loader.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrKubeconfig, c, err)
	}
	cfg.QPS, cfg.Burst = 50, 100
	cfg.UserAgent = "bake"
	if calls != nil {
		cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return counting{rt, calls} })
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrKubeconfig, c, err)
	}
	return &Client{Clientset: cs, Config: cfg, Server: cfg.Host, Context: name}, nil
}

// ExpandHome replaces a leading "~/" with the user's home directory.
func ExpandHome(path string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return path
}

type counting struct {
	next  http.RoundTripper
	calls *callcount.Counter
}

func (c counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.calls.Add(Operation(r))
	return c.next.RoundTrip(r)
}

// Operation names an API request as "VERB RESOURCE" the way the API
// server's audit log does: "get deployments", "list pods", "patch
// services", "create namespaces", "get deployments/scale".
func Operation(r *http.Request) string {
	path := strings.Trim(r.URL.Path, "/")
	parts := strings.Split(path, "/")
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		parts = parts[3:]
	default:
		return strings.ToLower(r.Method) + " " + path
	}
	if len(parts) >= 3 && parts[0] == "namespaces" {
		parts = parts[2:]
	}
	if len(parts) == 0 {
		return strings.ToLower(r.Method) + " " + path
	}
	resource, named := parts[0], len(parts) >= 2
	if len(parts) >= 3 {
		resource += "/" + parts[2]
	}
	verb := strings.ToLower(r.Method)
	switch r.Method {
	case http.MethodGet:
		switch {
		case r.URL.Query().Get("watch") == "true" || r.URL.Query().Get("watch") == "1":
			verb = "watch"
		case named:
			verb = "get"
		default:
			verb = "list"
		}
	case http.MethodPost:
		verb = "create"
	case http.MethodPut:
		verb = "update"
	case http.MethodPatch:
		verb = "patch"
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/apply-patch") {
			verb = "apply"
		}
	case http.MethodDelete:
		verb = "delete"
		if !named {
			verb = "deletecollection"
		}
	}
	return verb + " " + resource
}
