package e2e

// The ECS tests drive the built binary against a moto_server of the
// test's own. moto starts no task and moves no deployment: mototest's ECS
// agent plays ECS's scheduler through the public API (it runs each
// service's tasks and registers them in its target groups, or lets them
// crash), so these tests prove the calls bake makes and the decisions it
// takes from the answers, not that a container starts: the image's own
// behaviour is proven by the release's checks in bake's sandbox.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/mototest"
	ecstarget "github.com/bakehq/bake/internal/targets/ecs"
)

// ecsConfigTemplate renders an ECS test project's bake.yaml: the svc image
// in the registry, and dev and prod each in a cluster of its own behind a
// listener of its own.
var ecsConfigTemplate = template.Must(template.New("bake.yaml").Parse(`project: {{ .Name }}
registry: 127.0.0.1:5000
ledger: ledger.db
aws: {region: ` + awsRegion + `, endpoint: {{ .Moto }}}
images:
  svc:
    template: templates/svc
    context: images/svc
    port: 8080
    vars: {healthy_until: "0", healthy_after: "0"}
    checks:
      - name: healthz
        http: {path: /healthz, status: 200, timeout: 10s}
environments:
{{- range .Envs }}
  - name: {{ . }}
{{- with index $.Retention . }}
    retention: {{ . }}
{{- end }}
    targets:
      svc: {type: ecs, cluster: {{ index $.Clusters . }}, listener: "{{ index $.Listeners . }}", target_group: "{{ index $.Templates . }}", replicas: 2, health_timeout: 30s}
{{- end }}
`))

// ecsProject is one test's bake project whose environments run ECS
// services on a moto_server of the test's own.
type ecsProject struct {
	t         *testing.T
	Name, Dir string
	Moto      string
	Envs      []string
	Retention map[string]string // by environment
	Clusters  map[string]string // by environment
	Listeners map[string]string // by environment
	Templates map[string]string // template target group ARN, by environment
	env       []string          // of every bake process
	aws       *awsx.Clients
	agents    map[string]*mototest.ECSAgent // by environment
}

// newECSProject makes a cluster, a listener of one load balancer and a
// template target group for dev and prod (each listener forwarding to its
// template group until the first release), starts an agent on each
// cluster and writes the project.
func newECSProject(t *testing.T, retention map[string]string) *ecsProject {
	t.Helper()
	if _, err := exec.LookPath("moto_server"); err != nil {
		t.Skip("moto_server is not on PATH (scripts/services.sh up installs it): the ECS target needs it")
	}
	srv, err := mototest.Start()
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	p := &ecsProject{t: t, Name: "e2e-" + randomHex(t, 4), Dir: t.TempDir(), Moto: srv.Endpoint,
		Envs: []string{"dev", "prod"}, Retention: retention, Clusters: map[string]string{},
		Listeners: map[string]string{}, Templates: map[string]string{}, env: awsTestEnv(),
		agents: map[string]*mototest.ECSAgent{}}
	cfg := mototest.AWSConfig(t, srv.Endpoint, nil)
	net := mototest.NewECSNetwork(t, cfg)
	p.aws = net.Clients
	lb := net.LoadBalancer(t, p.Name+"-lb")
	for i, env := range p.Envs {
		p.Clusters[env] = net.Cluster(t, p.Name+"-"+env)
		p.Templates[env] = net.TargetGroup(t, p.Name+"-"+env, 8080, elbtypes.TargetTypeEnumIp)
		p.Listeners[env] = net.Listener(t, lb, int32(8000+i), p.Templates[env])
		p.agents[env] = mototest.StartECSAgent(t, cfg, p.Clusters[env])
	}

	writeFile(t, filepath.Join(p.Dir, "templates", "svc", "Dockerfile.tmpl"), dockerfileTemplate)
	bin, err := os.ReadFile(svcBin)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(p.Dir, "images", "svc"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(p.Dir, "images", "svc", "svc"), bin, 0o755))
	var b strings.Builder
	require.NoError(t, ecsConfigTemplate.Execute(&b, p))
	writeFile(t, filepath.Join(p.Dir, "bake.yaml"), b.String())
	t.Cleanup(func() { removeProject(t, p.Name, nil, true) })
	t.Logf("project %s in %s, moto on %s", p.Name, p.Dir, srv.Endpoint)
	return p
}

// bake runs bake in the project with its AWS environment.
func (p *ecsProject) bake(args ...string) result {
	p.t.Helper()
	return bakeEnv(p.t, p.Dir, p.env, args...)
}

// mustBake runs bake in the project and fails the test unless it exits 0.
func (p *ecsProject) mustBake(args ...string) result {
	p.t.Helper()
	res := p.bake(args...)
	if res.code != 0 {
		p.t.Fatalf("bake %s: want exit 0\n%s", strings.Join(args, " "), res)
	}
	return res
}

// release records svc@version and returns what `bake show` says of it.
func (p *ecsProject) release(version string) kubeRelease {
	p.t.Helper()
	p.mustBake("release", "svc", "--version", version)
	var rel kubeRelease
	decodeOne(p.t, p.mustBake("show", "svc@"+version, "-o", "json").stdout, &rel)
	require.True(p.t, strings.HasPrefix(rel.Reference, "127.0.0.1:5000/"), "svc@%s reference %q", version, rel.Reference)
	require.True(p.t, strings.HasSuffix(rel.Reference, "@"+rel.Digest), "svc@%s is referenced by digest: %q", version, rel.Reference)
	return rel
}

// ecsTarget is env's target as bake.yaml sets it, with the defaults.
func (p *ecsProject) ecsTarget(env string) *config.ECS {
	return &config.ECS{Cluster: p.Clusters[env], Service: "svc"}
}

// serviceName is env's ECS service of version.
func (p *ecsProject) serviceName(env, version string) string {
	return p.ecsTarget(env).ServiceName(version)
}

// targetGroupName is the target group of env's service of version.
func (p *ecsProject) targetGroupName(env, version string) string {
	return ecstarget.TargetGroupName(p.Name, env, p.serviceName(env, version))
}

// service reads env's service of version; nil if there is none or it is
// deleted (moto keeps deleted services a while, INACTIVE).
func (p *ecsProject) service(env, version string) *ecstypes.Service {
	p.t.Helper()
	out, err := p.aws.ECS.DescribeServices(p.t.Context(), &ecs.DescribeServicesInput{Cluster: aws.String(p.Clusters[env]),
		Services: []string{p.serviceName(env, version)}, Include: []ecstypes.ServiceField{ecstypes.ServiceFieldTags}})
	require.NoError(p.t, err)
	if len(out.Services) == 0 || aws.ToString(out.Services[0].Status) != "ACTIVE" {
		return nil
	}
	return &out.Services[0]
}

// activeServices are the names of env's cluster's ACTIVE services.
func (p *ecsProject) activeServices(env string) []string {
	p.t.Helper()
	ctx := p.t.Context()
	list, err := p.aws.ECS.ListServices(ctx, &ecs.ListServicesInput{Cluster: aws.String(p.Clusters[env])})
	require.NoError(p.t, err)
	if len(list.ServiceArns) == 0 {
		return nil
	}
	out, err := p.aws.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(p.Clusters[env]),
		Services: list.ServiceArns, Include: []ecstypes.ServiceField{ecstypes.ServiceFieldTags}})
	require.NoError(p.t, err)
	var names []string
	for _, s := range out.Services {
		if aws.ToString(s.Status) == "ACTIVE" {
			names = append(names, aws.ToString(s.ServiceName))
		}
	}
	return names
}

// targetGroupExists reports whether env's target group of version exists.
func (p *ecsProject) targetGroupExists(env, version string) bool {
	p.t.Helper()
	out, err := p.aws.ELB.DescribeTargetGroups(p.t.Context(), &elbv2.DescribeTargetGroupsInput{})
	require.NoError(p.t, err)
	for _, tg := range out.TargetGroups {
		if aws.ToString(tg.TargetGroupName) == p.targetGroupName(env, version) {
			return true
		}
	}
	return false
}

// taskDefinitions are the ACTIVE revisions of env's task definition family.
func (p *ecsProject) taskDefinitions(env string) []string {
	p.t.Helper()
	out, err := p.aws.ECS.ListTaskDefinitions(p.t.Context(), &ecs.ListTaskDefinitionsInput{
		FamilyPrefix: aws.String(p.ecsTarget(env).Family(p.Name, env)), Status: ecstypes.TaskDefinitionStatusActive})
	require.NoError(p.t, err)
	return out.TaskDefinitionArns
}

// weights reads env's listener's forward action: the weight of each
// target group, by "template" or the version whose group it is.
func (p *ecsProject) weights(env string) map[string]int32 {
	p.t.Helper()
	out, err := p.aws.ELB.DescribeListeners(p.t.Context(), &elbv2.DescribeListenersInput{ListenerArns: []string{p.Listeners[env]}})
	require.NoError(p.t, err)
	require.Len(p.t, out.Listeners, 1)
	m := map[string]int32{}
	for _, a := range out.Listeners[0].DefaultActions {
		if a.Type != elbtypes.ActionTypeEnumForward {
			continue
		}
		if a.ForwardConfig != nil && len(a.ForwardConfig.TargetGroups) > 0 {
			for _, tg := range a.ForwardConfig.TargetGroups {
				m[p.groupOf(env, aws.ToString(tg.TargetGroupArn))] = aws.ToInt32(tg.Weight)
			}
		} else if a.TargetGroupArn != nil {
			m[p.groupOf(env, *a.TargetGroupArn)] = 1
		}
	}
	return m
}

// groupOf names a target group of env's listener: "template", the version
// whose group it is, or its ARN.
func (p *ecsProject) groupOf(env, arn string) string {
	if arn == p.Templates[env] {
		return "template"
	}
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0"} {
		if strings.Contains(arn, ":targetgroup/"+p.targetGroupName(env, v)+"/") {
			return v
		}
	}
	return arn
}
