package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/stretchr/testify/require"
)

// envNames are the environments of every test project, in promotion order.
var envNames = []string{"dev", "qa", "prod"}

// dockerfileTemplate is the svc image's template.
const dockerfileTemplate = `FROM scratch
COPY svc /svc
ENV SVC_VERSION={{ .Version }} SVC_HEALTHY_UNTIL={{ .Vars.healthy_until }} SVC_HEALTHY_AFTER={{ .Vars.healthy_after }}
{{- with index .Vars "fail_rate" }}
ENV FAIL_RATE={{ . }}
{{- end }}
{{- with index .Vars "extra_latency" }}
ENV EXTRA_LATENCY={{ . }}
{{- end }}
EXPOSE 8080
ENTRYPOINT ["/svc"]
`

// configTemplate renders a project's bake.yaml.
var configTemplate = template.Must(template.New("bake.yaml").Parse(`project: {{ .Name }}
registry: {{ .Registry }}
ledger: ledger.db
frontdoor:
  admin: 127.0.0.1:2019
{{- if .Webhook }}
notify:
  webhook: {{ .Webhook }}
  allow: [loopback]
{{- end }}
images:
  svc:
    template: templates/svc
    context: images/svc
    port: 8080
    vars:
      healthy_until: "{{ .HealthyUntil }}"
      healthy_after: "{{ .HealthyAfter }}"
{{- if .FailRate }}
      fail_rate: "{{ .FailRate }}"
{{- end }}
{{- if .ExtraLatency }}
      extra_latency: "{{ .ExtraLatency }}"
{{- end }}
    checks:
      - name: healthz
        http:
          path: /healthz
          status: 200
          body: '"version":"{{ "{{" }} .Version {{ "}}" }}"'
          timeout: 10s
      - name: version-flag
        command:
          argv: ["/svc", "-version"]
          stdout: '{{ "{{" }} .Version {{ "}}" }}'
environments:
{{- range .Envs }}
  - name: {{ .Name }}
{{- if .Retention }}
    retention: {{ .Retention }}
{{- end }}
    targets:
      svc: {replicas: 2, listen: "{{ .Listen }}", health_timeout: 8s{{ if $.Target }}, {{ $.Target }}{{ end }}}
{{- end }}
`))

// projectOptions changes what newProject writes.
type projectOptions struct {
	// HealthyUntil is the svc image's healthy_until var: unix seconds, "0" for ever.
	HealthyUntil string
	// Target is added to every environment's svc target, e.g. "strategy: rolling".
	Target string
	// Retention is each environment's retention: by name, e.g. {"dev": "{previous: warm}"}.
	Retention map[string]string
	// Webhook is notify.webhook.
	Webhook string
	// Registry is where releases are pushed; "" is the shared 127.0.0.1:5000.
	Registry string
}

// project is one test's bake project in a directory of its own.
type project struct {
	Name         string
	Dir          string
	HealthyUntil string
	HealthyAfter string
	Target       string
	Webhook      string
	Registry     string
	// FailRate and ExtraLatency are the svc's FAIL_RATE and EXTRA_LATENCY
	// in the next release's image; "" leaves them out (a good release).
	FailRate     string
	ExtraLatency string
	Envs         []projectEnv
	// lastRelease is how long the last p.release took.
	lastRelease time.Duration
}

type projectEnv struct {
	Name      string
	Listen    string
	Retention string
}

// newProject writes a project with a unique name into a temporary directory
// and removes its containers, images and front doors when the test ends.
func newProject(t *testing.T, opts projectOptions) *project {
	t.Helper()
	p := &project{Name: "e2e-" + randomHex(t, 4), Dir: t.TempDir(), HealthyUntil: opts.HealthyUntil,
		Target: opts.Target, Webhook: opts.Webhook, Registry: opts.Registry}
	if p.HealthyUntil == "" {
		p.HealthyUntil = "0"
	}
	p.HealthyAfter = "0"
	if p.Registry == "" {
		p.Registry = "127.0.0.1:5000"
	}
	used := map[int]bool{}
	for _, name := range envNames {
		// The kernel may hand out a port it just handed out: each environment needs its own.
		port := freePort(t)
		for used[port] {
			port = freePort(t)
		}
		used[port] = true
		p.Envs = append(p.Envs, projectEnv{Name: name, Listen: fmt.Sprintf("127.0.0.1:%d", port),
			Retention: opts.Retention[name]})
	}
	writeFile(t, filepath.Join(p.Dir, "templates", "svc", "Dockerfile.tmpl"), dockerfileTemplate)
	bin, err := os.ReadFile(svcBin)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(p.Dir, "images", "svc"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(p.Dir, "images", "svc", "svc"), bin, 0o755))
	p.writeConfig(t)
	t.Cleanup(func() { removeProject(t, p.Name, routeIDs(p.Name, "svc"), true) })
	t.Logf("project %s in %s", p.Name, p.Dir)
	return p
}

// ConfigPath is the project's bake.yaml.
func (p *project) ConfigPath() string { return filepath.Join(p.Dir, "bake.yaml") }

func (p *project) writeConfig(t *testing.T) {
	t.Helper()
	var b strings.Builder
	require.NoError(t, configTemplate.Execute(&b, p))
	writeFile(t, p.ConfigPath(), b.String())
}

// setHealthyAfter rewrites bake.yaml so that the replicas of the next release
// answer their health check only once they have run for after.
func (p *project) setHealthyAfter(t *testing.T, after time.Duration) {
	t.Helper()
	p.HealthyAfter = fmt.Sprint(int(after.Seconds()))
	p.writeConfig(t)
}

// setHealthyUntil rewrites bake.yaml so the next release turns unhealthy at until.
func (p *project) setHealthyUntil(t *testing.T, until time.Time) {
	t.Helper()
	p.HealthyUntil = fmt.Sprint(until.Unix())
	p.writeConfig(t)
}

// svcFaults is how a release of the svc behaves under load.
type svcFaults struct {
	// FailRate is the share of requests to / that answer 500, e.g. "0.05".
	FailRate string
	// ExtraLatency is added to every request but the probes, e.g. "100ms".
	ExtraLatency string
}

// goodRelease is a release that answers every request at once.
var goodRelease = svcFaults{}

// releaseAs records svc@version with faults baked into its image (ENV
// FAIL_RATE, EXTRA_LATENCY), so the release is good or bad by definition,
// not by what it runs into; the next releases are good again.
func (p *project) releaseAs(t *testing.T, version string, f svcFaults) {
	t.Helper()
	p.FailRate, p.ExtraLatency = f.FailRate, f.ExtraLatency
	p.writeConfig(t)
	defer func() {
		p.FailRate, p.ExtraLatency = "", ""
		p.writeConfig(t)
	}()
	p.release(t, version)
}

// url is the front door of env.
func (p *project) url(env, path string) string {
	for _, e := range p.Envs {
		if e.Name == env {
			return "http://" + e.Listen + path
		}
	}
	panic("no environment " + env)
}

// release records svc@version and fails the test unless it exits 0.
func (p *project) release(t *testing.T, version string) {
	t.Helper()
	start := time.Now()
	mustBake(t, p.Dir, "release", "svc", "--version", version)
	p.lastRelease = time.Since(start)
}

// bomb is a healthy_until far enough ahead that the next release passes its
// sandbox before it: at least min, and more when the last release took long
// enough (on a loaded machine) that min would go off during validation.
func (p *project) bomb(min time.Duration) time.Time {
	d := 2*p.lastRelease + 2*time.Second
	if d < min {
		d = min
	}
	return time.Now().Add(d)
}

// routeIDs names the front doors bake creates for image in project.
func routeIDs(project, image string) []string {
	ids := make([]string, len(envNames))
	for i, env := range envNames {
		ids[i] = fmt.Sprintf("bake-%s-%s-%s", project, env, image)
	}
	return ids
}

// removeProject removes every container labelled with the project, its front
// doors and, with images, its local images.
func removeProject(t *testing.T, name string, routes []string, images bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := removeContainers(ctx, name); err != nil {
		t.Errorf("cleanup: %v", err)
	}
	if err := removeRoutes(ctx, routes); err != nil {
		t.Errorf("cleanup: %v", err)
	}
	if !images {
		return
	}
	if err := removeImages(ctx, name); err != nil {
		t.Logf("cleanup: %v", err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// The tests' own ports (front doors, fake servers) come from below the
// kernel's ephemeral range (32768 and up, see ip_local_port_range), where
// bake picks its replicas' ports and the kernel its outgoing connections'.
// A front door is written into bake.yaml minutes before its first promote
// binds it; from the ephemeral range, a replica of another test could take
// it meanwhile.
const testPortLow, testPortHigh = 20000, 32768

var handedOut = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// freePort returns a loopback port below the ephemeral range that was free
// a moment ago and that no other test of this process was given.
func freePort(t *testing.T) int {
	t.Helper()
	handedOut.Lock()
	defer handedOut.Unlock()
	for range 100 {
		n, err := rand.Int(rand.Reader, big.NewInt(testPortHigh-testPortLow))
		require.NoError(t, err)
		port := testPortLow + int(n.Int64())
		if handedOut.ports[port] {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		_ = l.Close()
		handedOut.ports[port] = true
		return port
	}
	t.Fatalf("no free port on 127.0.0.1 between %d and %d", testPortLow, testPortHigh)
	return 0
}
