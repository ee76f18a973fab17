package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kubetarget "github.com/bakehq/bake/internal/targets/kubernetes"
)

var (
	// kubeCallsLine is the line every bake run that talked to a cluster ends with.
	kubeCallsLine = regexp.MustCompile(`kubernetes: ([0-9]+) API calls \(([^)\n]*)\)`)
	// kubePodsLine is what bake says of the release's pods before it switches.
	kubePodsLine = regexp.MustCompile(`: ([0-9]+) pod\(s\) available after `)
)

// kubeOps are the operations the table measures, in its order.
var kubeOps = []string{"first", "next-stopped", "next-warm", "rollback-stopped", "rollback-warm"}

// kubeSample is one measured bake command.
type kubeSample struct {
	round   int
	name    string
	calls   int     // API calls bake reported, -1 when it printed none
	pods    int     // the release's pods bake saw before it switched, -1 when it said not
	detail  string  // their split by verb and resource
	took    float64 // s, the command from start to exit
	selects float64 // s, from its start until the Service selected the release; NaN if not seen
}

// kubeTable: API calls and times of promotes and rollbacks of a Deployment
// per release behind a Service, on the test cluster, against the floor of
// kubectl applying the same Deployment.
func (b *bench) kubeTable() string {
	k, why := kubeClusterOf()
	if k == nil {
		logf("kubernetes: %s: skipping", why)
		return "\n### Kubernetes\n\nNot measured: " + why + ".\n"
	}
	b.atExit(k.clean)
	started, loadBefore := time.Now(), loadAverage()
	var envs []kubeEnv
	for i := 1; i <= kubeRounds; i++ {
		for _, keep := range []string{"stopped", "warm"} {
			name := fmt.Sprintf("%s%d", keep[:1], i)
			envs = append(envs, kubeEnv{name: name, keep: keep, namespace: k.namespace(name)})
		}
	}
	dir := filepath.Join(b.work, "kubernetes")
	logf("kubernetes: project %s in %s, namespaces %s-%s-*", kubeProjectName, dir, kubeProjectName, k.run)
	b.kubeSetup(dir, k, envs)
	floorNS := k.namespace("floor")
	k.createNamespace(floorNS)

	samples := map[string][]kubeSample{}
	var floors []float64
	var model *appsv1.Deployment
	for i := 1; i <= kubeRounds; i++ {
		stopped, warm := envs[2*i-2], envs[2*i-1]
		logf("kubernetes round %d/%d: promote 1.0.0 then 1.1.0 and roll back, keeping the replaced release stopped", i, kubeRounds)
		add := func(key string, e kubeEnv, version string, args ...string) {
			name := fmt.Sprintf("kube-%s-%s", e.name, key)
			samples[key] = append(samples[key], b.kubeOp(k, dir, name, e.namespace, version, i, args...))
		}
		add("first", stopped, "1.0.0", "promote", "svc@1.0.0", "--to", stopped.name)
		add("next-stopped", stopped, "1.1.0", "promote", "svc@1.1.0", "--to", stopped.name)
		if model == nil {
			model = k.deployment(stopped.namespace, kubetarget.DeploymentName("svc", "1.1.0"))
		}
		add("rollback-stopped", stopped, "1.0.0", "rollback", "svc", "--env", stopped.name, "--yes")
		logf("kubernetes round %d/%d: the floor, kubectl apply + rollout status", i, kubeRounds)
		floors = append(floors, b.kubeFloor(k, floorNS, model, i))
		logf("kubernetes round %d/%d: the same, keeping the replaced release warm", i, kubeRounds)
		add("first", warm, "1.0.0", "promote", "svc@1.0.0", "--to", warm.name)
		add("next-warm", warm, "1.1.0", "promote", "svc@1.1.0", "--to", warm.name)
		add("rollback-warm", warm, "1.0.0", "rollback", "svc", "--env", warm.name, "--yes")
	}
	k.clean()
	return kubeReport(samples, floors, kubeLoad{before: loadBefore, after: loadAverage(), took: time.Since(started).Seconds()})
}

// kubeOp runs one bake command that should make the Service in ns select
// version, and measures it.
func (b *bench) kubeOp(k *kubeCluster, dir, name, ns, version string, round int, args ...string) kubeSample {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	selected := k.watchSelects(ctx, ns, version)
	t0 := time.Now()
	o := b.bakeOp(name, dir, opTimeout, args...)
	s := kubeSample{round: round, name: name, calls: -1, pods: -1, took: o.S(), selects: math.NaN()}
	data, _ := os.ReadFile(o.Log)
	s.calls, s.detail = kubeCalls(string(data))
	if m := kubePodsLine.FindSubmatch(data); m != nil {
		s.pods, _ = strconv.Atoi(string(m[1]))
	}
	if !o.OK {
		return s
	}
	select {
	case at := <-selected:
		s.selects = at.Sub(t0).Seconds()
	case <-time.After(5 * time.Second):
		b.failed = append(b.failed, fmt.Sprintf("%s: succeeded, but the Service %s/%s was not seen selecting %s within 5 s after", name, ns, kubeService, version))
	}
	return s
}

// watchSelects watches the Service in ns from now on (the watch is open
// when it returns) and sends the time it first selects version.
func (k *kubeCluster) watchSelects(ctx context.Context, ns, version string) <-chan time.Time {
	at := make(chan time.Time, 1)
	opts := metav1.ListOptions{FieldSelector: "metadata.name=" + kubeService}
	list, err := k.cs.CoreV1().Services(ns).List(ctx, opts)
	if err != nil {
		die("kubernetes: listing the Service in %s: %v", ns, err)
	}
	for _, svc := range list.Items {
		if svc.Spec.Selector[kubetarget.LabelVersion] == version {
			at <- time.Now()
			return at
		}
	}
	opts.ResourceVersion = list.ResourceVersion
	w, err := k.cs.CoreV1().Services(ns).Watch(ctx, opts)
	if err != nil {
		die("kubernetes: watching the Service in %s: %v", ns, err)
	}
	go func() {
		defer w.Stop()
		for ev := range w.ResultChan() {
			if svc, ok := ev.Object.(*corev1.Service); ok && svc.Spec.Selector[kubetarget.LabelVersion] == version {
				at <- time.Now()
				return
			}
		}
	}()
	return at
}

// deployment is the Deployment name in ns.
func (k *kubeCluster) deployment(ns, name string) *appsv1.Deployment {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d, err := k.cs.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		die("kubernetes: the Deployment bake made, %s/%s: %v", ns, name, err)
	}
	return d
}

// kubeFloor applies, with kubectl, a Deployment of model's spec (its
// replicas, selector and pod template) in ns and waits with kubectl
// rollout status; it returns the seconds both took, or NaN.
func (b *bench) kubeFloor(k *kubeCluster, ns string, model *appsv1.Deployment, round int) float64 {
	name := fmt.Sprintf("floor-%d", round)
	d := appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec:       *model.Spec.DeepCopy(),
	}
	data, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		die("%v", err)
	}
	file := filepath.Join(b.logs, "kube-"+name+".json")
	writeText(file, string(data))
	t0 := time.Now()
	if o := b.timed("kube-"+name+"-apply", b.work, opTimeout, k.kubectlArgs("apply", "-f", file)...); !o.OK {
		return math.NaN()
	}
	if o := b.timed("kube-"+name+"-rollout", b.work, opTimeout, k.kubectlArgs("rollout", "status", "-n", ns, "deployment/"+name, "--timeout=2m")...); !o.OK {
		return math.NaN()
	}
	took := time.Since(t0).Seconds()
	// Its pods would only weigh on the rounds after.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_ = k.cs.AppsV1().Deployments(ns).Delete(ctx, name, metav1.DeleteOptions{})
	return took
}

// kubeCalls is the count and split of the last "kubernetes: N API calls
// (...)" line of a run's output; -1 when there is none.
func kubeCalls(out string) (int, string) {
	all := kubeCallsLine.FindAllStringSubmatch(out, -1)
	if len(all) == 0 {
		return -1, ""
	}
	last := all[len(all)-1]
	n, err := strconv.Atoi(last[1])
	if err != nil {
		return -1, ""
	}
	return n, last[2]
}
