package servicestest

import (
	"os"
	"path/filepath"
	"testing"
)

// KubeContext is the context of the test cluster's admin kubeconfig.
const KubeContext = "bake-test"

// KubeConfig returns the admin kubeconfig of the Kubernetes control plane
// scripts/services.sh runs (scripts/kube/kube.sh: a real API server,
// controller manager and scheduler, with kwok's nodes). While the
// background job of scripts/services.sh up builds and starts the cluster
// (a fresh machine), it waits for it (KubeWait); it fails the test when the
// job failed or the cluster was never started.
func KubeConfig(t testing.TB) string {
	t.Helper()
	state, err := StateDir("kube")
	if err != nil {
		t.Fatalf("services state directory: %v", err)
	}
	err = KubeWait(filepath.Join(state, "kube"), KubeWaitTimeout, func() {
		t.Log("waiting for the Kubernetes test cluster (being built by scripts/services.sh)")
	})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(state, "kube", "kubeconfig")
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("no Kubernetes test cluster (run `scripts/services.sh up`): %v", err)
	}
	return file
}
