// Package registrytest finds the registry with TLS and htpasswd auth that
// scripts/services.sh runs on 127.0.0.1:5443, for tests: its address, the
// CA its certificate chains to, and its test user.
package registrytest

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bakehq/bake/internal/servicestest"
)

// Address is where scripts/services.sh serves the auth registry.
const Address = "127.0.0.1:5443"

// AuthRegistry is the auth registry and what a test needs to use it.
type AuthRegistry struct {
	Address  string
	CA       string // path of its CA's PEM certificate
	User     string
	Password string
}

// Env is the environment that gives bake the test user's credentials.
func (r AuthRegistry) Env() []string {
	return []string{"BAKE_REGISTRY_USER=" + r.User, "BAKE_REGISTRY_PASSWORD=" + r.Password}
}

// Get answers every registry with the test user, as a Docker credential
// helper does: an AuthRegistry is an authn.Helper.
func (r AuthRegistry) Get(string) (string, string, error) { return r.User, r.Password, nil }

// Find reads the auth registry's files from the services' state directory
// (BAKE_SERVICES_DIR, else .services at the module's root or, in a git
// worktree, at the main checkout's root) and fails the test when they are
// not there.
func Find(t testing.TB) AuthRegistry {
	t.Helper()
	dir, err := servicestest.StateDir("authregistry")
	if err != nil {
		t.Fatalf("finding the auth registry: %v", err)
	}
	dir = filepath.Join(dir, "authregistry")
	r := AuthRegistry{Address: Address, CA: filepath.Join(dir, "ca.pem")}
	f, err := os.Open(filepath.Join(dir, "credentials"))
	if err != nil {
		t.Fatalf("the auth registry's credentials: %v (run scripts/services.sh up; set BAKE_SERVICES_DIR if it keeps its state elsewhere)", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "BAKE_REGISTRY_USER":
			r.User = v
		case "BAKE_REGISTRY_PASSWORD":
			r.Password = v
		}
	}
	if r.User == "" || r.Password == "" {
		t.Fatalf("%s names no user and password", f.Name())
	}
	return r
}
