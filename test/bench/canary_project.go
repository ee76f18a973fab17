package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// The canary table's project: the e2e tests' svc (test/testdata/svc) in a
// FROM scratch image, made good or bad by its FAIL_RATE, with one
// environment whose target is a canary of two steps, as the e2e tests use.
const (
	canaryProjectName = "bench-canary"
	canaryListen      = "127.0.0.1:18094"
	canaryFirstWeight = 10 // percent: the first step's weight, which the goal scales
	canaryTarget      = `strategy: canary, steps: [{weight: 10, pause: 6s}, {weight: 50, pause: 3s}], ` +
		`analysis: {interval: 1s, min_requests: 50}`
)

const canaryDockerfile = `FROM scratch
COPY svc /svc
ENV SVC_VERSION={{ .Version }} FAIL_RATE={{ .Vars.fail_rate }}
EXPOSE 8080
ENTRYPOINT ["/svc"]
`

// canaryConfig is the project's bake.yaml; %s is fail_rate for the next release.
const canaryConfig = `project: ` + canaryProjectName + `
registry: 127.0.0.1:5000
ledger: ledger.db
images:
  svc:
    template: templates/svc
    context: images/svc
    port: 8080
    vars: {fail_rate: "%s"}
    checks:
      - name: healthz
        http: {path: /healthz, status: 200, timeout: 10s}
environments:
  - name: dev
    targets:
      svc: {replicas: 2, listen: "` + canaryListen + `", health_timeout: 8s, ` + canaryTarget + `}
`

// canarySetup makes the project anew in dir and releases svc: 1.0.0 and
// 1.2.0 good, 1.1.0 failing 5% of its requests; dev runs 1.0.0.
func (b *bench) canarySetup(dir string) {
	b.canaryClean()
	b.atExit(b.canaryClean)
	if err := os.RemoveAll(dir); err != nil {
		die("%v", err)
	}
	for _, d := range []string{filepath.Join(dir, "templates", "svc"), filepath.Join(dir, "images", "svc"), b.logs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			die("%v", err)
		}
	}
	writeText(filepath.Join(dir, "templates", "svc", "Dockerfile.tmpl"), canaryDockerfile)
	b.buildSvc(filepath.Join(dir, "images", "svc", "svc"))
	for _, r := range []struct{ version, failRate string }{{"1.0.0", "0"}, {"1.1.0", "0.05"}, {"1.2.0", "0"}} {
		writeText(filepath.Join(dir, "bake.yaml"), fmt.Sprintf(canaryConfig, r.failRate))
		b.must("canary-release-"+r.version, dir, b.bake, "release", "svc", "--version", r.version)
	}
	b.must("canary-promote-1.0.0", dir, b.bake, "promote", "svc@1.0.0", "--to", "dev")
}

// canaryClean removes the project's replicas and its front door.
func (b *bench) canaryClean() {
	b.removeLabelled("label=dev.bake.project=" + canaryProjectName)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_ = frontDoors().Remove(ctx, "bake-"+canaryProjectName+"-dev-svc")
}

func writeText(path, text string) {
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		die("%v", err)
	}
}

// buildSvc builds the e2e tests' service (test/testdata/svc), static, to
// path: the whole content of a FROM scratch image.
func (b *bench) buildSvc(path string) {
	build := exec.Command("go", "build", "-o", path, "./test/testdata/svc")
	build.Dir, build.Env = b.root, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		die("building test/testdata/svc: %v\n%s", err, out)
	}
}
