package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixtureDirs are the template and context directories test files refer to.
var fixtureDirs = []string{
	"templates/base/debian",
	"templates/docker/go-service",
	"images/debian",
	"images/hello",
	"images/a",
	"images/b",
	"src/hello",
}

// writeProject writes bake.yaml and the fixture directories into a new
// temporary directory and returns the path of bake.yaml.
func writeProject(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range fixtureDirs {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	path := filepath.Join(dir, "bake.yaml")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

const completeFile = `project: demo
registry: 127.0.0.1:5001
ledger: state/ledger.db
frontdoor:
  admin: localhost:2020
notify:
  webhook: https://hooks.example.test/bake
images:
  debian:
    template: templates/base/debian
    context: images/debian
    vars: {suite: bookworm, release: 12, slim: true, ratio: 1.10}
  hello:
    template: templates/docker/go-service
    context: src/hello
    base: debian
    port: 8080
    vars:
      message: hello
    checks:
      - name: healthz
        http:
          path: /healthz
          body: '"version":"{{ .Version }}"'
      - name: version-flag
        command:
          argv: ["/hello", "-version"]
          exit: 3
          stdout: '^{{ .Version }}$'
          timeout: 10s
      - name: metrics
        http:
          port: 9090
          path: /metrics
          status: 204
          timeout: 1m30s
environments:
  - name: dev
    targets:
      hello:
        replicas: 2
        listen: 127.0.0.1:8101
  - name: qa
    targets:
      hello:
        type: docker
        listen: 127.0.0.1:8102
        health_timeout: 2m
  - name: prod
    retention: {previous: warm, releases: 5}
    targets:
      hello:
        replicas: 3
        listen: 127.0.0.1:8103
        strategy: rolling
        min_healthy: 2
        watch: 30s
`

func TestLoadCompleteFile(t *testing.T) {
	path := writeProject(t, completeFile)
	dir := filepath.Dir(path)

	p, err := Load(path)
	require.NoError(t, err)

	assert.Equal(t, path, p.File)
	assert.Equal(t, dir, p.Dir)
	assert.Equal(t, "demo", p.Name)
	assert.Equal(t, "127.0.0.1:5001", p.Registry.Address)
	assert.Equal(t, filepath.Join(dir, "state/ledger.db"), p.Ledger)
	assert.Equal(t, "localhost:2020", p.FrontDoor.Admin)

	require.Len(t, p.Images, 2)
	debian, hello := p.Images[0], p.Images[1]
	assert.Equal(t, "debian", debian.Name)
	assert.Equal(t, filepath.Join(dir, "templates/base/debian"), debian.Template)
	assert.Equal(t, filepath.Join(dir, "images/debian"), debian.Context)
	assert.Equal(t, map[string]string{"suite": "bookworm", "release": "12", "slim": "true", "ratio": "1.10"}, debian.Vars)
	assert.Empty(t, debian.Base)
	assert.Zero(t, debian.Port)
	assert.Empty(t, debian.Checks)

	assert.Equal(t, "hello", hello.Name)
	assert.Equal(t, filepath.Join(dir, "templates/docker/go-service"), hello.Template)
	assert.Equal(t, filepath.Join(dir, "src/hello"), hello.Context)
	assert.Equal(t, "debian", hello.Base)
	assert.Equal(t, 8080, hello.Port)
	assert.Equal(t, map[string]string{"message": "hello"}, hello.Vars)
	assert.Equal(t, []Check{
		{Name: "healthz", HTTP: &HTTPCheck{Port: 8080, Path: "/healthz", Status: 200, Body: `"version":"{{ .Version }}"`, Timeout: DefaultCheckTimeout}},
		{Name: "version-flag", Command: &CommandCheck{Argv: []string{"/hello", "-version"}, ExitCode: 3, Stdout: "^{{ .Version }}$", Timeout: 10 * time.Second}},
		{Name: "metrics", HTTP: &HTTPCheck{Port: 9090, Path: "/metrics", Status: 204, Timeout: 90 * time.Second}},
	}, hello.Checks)
	assert.Equal(t, "healthz", hello.HealthCheck().Name)

	require.Len(t, p.Environments, 3)
	assert.Equal(t, "dev", p.Environments[0].Name)
	assert.Equal(t, map[string]*Target{
		"hello": {Type: "docker", Replicas: 2, Listen: "127.0.0.1:8101", HealthTimeout: DefaultHealthTimeout,
			Strategy: BlueGreen, MinHealthy: 2},
	}, p.Environments[0].Targets)
	assert.Equal(t, "qa", p.Environments[1].Name)
	assert.Equal(t, map[string]*Target{
		"hello": {Type: "docker", Replicas: 1, Listen: "127.0.0.1:8102", HealthTimeout: 2 * time.Minute,
			Strategy: BlueGreen, MinHealthy: 1},
	}, p.Environments[1].Targets)
	assert.Equal(t, Retention{Previous: KeepStopped, Releases: DefaultKeepReleases}, p.Environments[1].Retention)
	assert.Equal(t, "prod", p.Environments[2].Name)
	assert.Equal(t, Retention{Previous: KeepWarm, Releases: 5}, p.Environments[2].Retention)
	assert.Equal(t, map[string]*Target{
		"hello": {Type: "docker", Replicas: 3, Listen: "127.0.0.1:8103", HealthTimeout: DefaultHealthTimeout,
			Strategy: Rolling, MinHealthy: 2, Watch: 30 * time.Second},
	}, p.Environments[2].Targets)
	assert.Equal(t, "https://hooks.example.test/bake", p.Notify.Webhook)

	env, pos := p.Environment("qa")
	require.NotNil(t, env)
	assert.Equal(t, 1, pos)
	assert.Same(t, hello, p.Image("hello"))
}

func TestLoadAppliesDefaults(t *testing.T) {
	path := writeProject(t, `project: demo
images:
  hello:
    template: templates/docker/go-service
environments:
  - name: dev
`)
	dir := filepath.Dir(path)

	p, err := Load(path)
	require.NoError(t, err)

	assert.Equal(t, DefaultRegistry, p.Registry.Address)
	assert.Equal(t, filepath.Join(dir, DefaultLedger), p.Ledger)
	assert.Equal(t, DefaultFrontDoor, p.FrontDoor.Admin)
	require.Len(t, p.Images, 1)
	assert.Equal(t, filepath.Join(dir, "images/hello"), p.Images[0].Context)
	assert.NotNil(t, p.Images[0].Vars)
	assert.Nil(t, p.Images[0].HealthCheck())
}

func TestLoadMergesAnchors(t *testing.T) {
	path := writeProject(t, `project: demo
images:
  hello:
    template: templates/docker/go-service
    port: 8080
    checks: [{name: up, http: {}}]
environments:
  - name: dev
    targets:
      hello: &target
        listen: 127.0.0.1:8101
        replicas: 3
        health_timeout: 5s
  - name: qa
    targets:
      hello:
        <<: *target
        listen: 127.0.0.1:8102
`)
	p, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, &Target{Type: "docker", Replicas: 3, Listen: "127.0.0.1:8102", HealthTimeout: 5 * time.Second,
		Strategy: BlueGreen, MinHealthy: 3},
		p.Environments[1].Targets["hello"])
	assert.Equal(t, &HTTPCheck{Port: 8080, Path: "/", Status: 200, Timeout: DefaultCheckTimeout}, p.Images[0].Checks[0].HTTP)
}

func TestLoadDirectory(t *testing.T) {
	path := writeProject(t, completeFile)

	p, err := Load(filepath.Dir(path))
	require.NoError(t, err)
	assert.Equal(t, path, p.File)
}

func TestLoadMissingFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bake.yaml")

	_, err := Load(path)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrInvalid)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.EqualError(t, err, `bake.yaml not found at `+path+`: run "bake init" to create one`)
}

func TestParseResolvesAgainstFileDirectory(t *testing.T) {
	path := writeProject(t, completeFile)
	data, err := os.ReadFile(path)
	require.NoError(t, err)

	p, err := Parse(path, data)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(filepath.Dir(path), "templates/base/debian"), p.Images[0].Template)
}

func TestParseReportsEveryProblem(t *testing.T) {
	path := writeProject(t, `project: Demo
images:
  hello:
    template: templates/docker/go-service
    port: 99999
    checks:
      - name: up
        http: {status: 1}
environments:
  - name: dev
    targets:
      hello: {listen: 10.0.0.1:80}
`)
	_, err := Load(path)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrInvalid)

	var list ErrorList
	require.True(t, errors.As(err, &list))
	var keys []string
	for _, e := range list {
		keys = append(keys, e.Key)
	}
	assert.Equal(t, []string{
		"project",
		"images.hello.port",
		"images.hello.checks[0].http.status",
		"environments[0].targets.hello.listen",
	}, keys)

	var first *Error
	require.True(t, errors.As(err, &first))
	assert.Equal(t, &Error{File: path, Line: 1, Column: 10, Key: "project",
		Msg: `"Demo" must be lowercase letters, digits and hyphens, starting and ending with a letter or digit`, Kind: ErrInvalid}, first)
}

func TestLoadAWS(t *testing.T) {
	path := writeProject(t, `project: demo
aws: {region: us-east-1, endpoint: "http://127.0.0.1:5001"}
images:
  hello:
    template: templates/docker/go-service
    sandbox: {subnet: subnet-0abc, instance_type: t3.small, instance_profile: bake-ssm}
environments:
  - name: prod
    retention: {previous: warm}
    targets:
      hello:
        type: asg
        replicas: 3
        target_groups: ["arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123"]
        subnets: [subnet-1, subnet-2]
        watch: 5m
  - name: edge
    targets:
      hello: {type: asg, group: web-edge, instance_type: c7g.large, security_groups: [sg-9], instance_profile: edge, target_groups: ["arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/edge/4567"]}
`)
	p, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, AWS{Region: "us-east-1", Endpoint: "http://127.0.0.1:5001"}, p.AWS)
	assert.Equal(t, "subnet-0abc", p.Images[0].Sandbox.Subnet)
	assert.Equal(t, "t3.small", p.Images[0].Sandbox.InstanceType)
	assert.Equal(t, "bake-ssm", p.Images[0].Sandbox.InstanceProfile)
	prod := p.Environments[0].Targets["hello"]
	assert.Equal(t, Error{File: path, Line: prod.ASG.At["subnets[1]"].Line, Column: prod.ASG.At["subnets[1]"].Column,
		Key: "environments[0].targets.hello.subnets[1]", Kind: ErrInvalid}, prod.ASG.At["subnets[1]"])
	assert.NotZero(t, prod.ASG.At["subnets[1]"].Line)
	prod.ASG.At = nil
	assert.Equal(t, &Target{Type: TargetASG, Replicas: 3, HealthTimeout: DefaultHealthTimeout, Strategy: BlueGreen,
		MinHealthy: 3, Watch: 5 * time.Minute, ASG: &ASG{
			Group: "demo-prod-hello", InstanceType: DefaultInstanceType, Subnets: []string{"subnet-1", "subnet-2"},
			TargetGroups: []string{"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123"},
		}}, p.Environments[0].Targets["hello"])
	edge := p.Environments[1].Targets["hello"]
	assert.Equal(t, "web-edge", edge.ASG.Group)
	assert.Equal(t, "c7g.large", edge.ASG.InstanceType)
	assert.Equal(t, []string{"sg-9"}, edge.ASG.SecurityGroups)
	assert.Equal(t, "edge", edge.ASG.InstanceProfile)
	assert.Equal(t, 1, edge.Replicas)
}
