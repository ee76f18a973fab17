package cst

import (
	"archive/tar"
	"context"
	"io"
	"os"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/probe"
)

// runSuite is a structure test file that exercises every kind of test on
// busyboxImage; the tests named "fails: ..." must fail.
const runSuite = `schemaVersion: "2.0.0"
globalEnvVars:
  - key: PATH
    value: /usr/local/bin:$PATH
commandTests:
  - name: greeting
    command: sh
    args: ["-c", "echo $GREETING $WHO; echo oops >&2"]
    envVars: [{key: WHO, value: "{{ .Image }}"}]
    expectedOutput: ['^hi cst$']
    expectedError: [oops]
  - name: args expanded from the image's env
    command: echo
    args: ["$GREETING", "{{ .Version }}"]
    expectedOutput: ['^hi 1\.2\.0$']
  - name: PATH from globalEnvVars
    command: sh
    args: ["-c", "echo $PATH"]
    expectedOutput: ['^/usr/local/bin:/bin$']
  - name: no network but loopback
    command: ls
    args: [/sys/class/net]
    expectedOutput: ['^lo$']
  - name: "fails: exit code"
    command: sh
    args: ["-c", "exit 4"]
    exitCode: 3
  - name: "fails: timeout"
    command: sleep
    args: ["30"]
fileExistenceTests:
  - name: busybox
    path: /bin/busybox
    permissions: -rwxr-xr-x
    isExecutableBy: any
  - name: sh through its link
    path: /bin/sh
  - name: secret removed by the second layer
    path: /etc/secret
    shouldExist: false
  - name: "fails: app owner"
    path: /app/run
    uid: 0
fileContentTests:
  - name: motd
    path: /etc/motd
    expectedContents: ['(?m)^welcome {{ .Version }}$']
    excludedContents: [secret]
metadataTest:
  envVars:
    - {key: GREETING, value: hi}
  labels:
    - {key: org.opencontainers.image.version, value: "{{ .Version }}"}
  exposedPorts: ["8080"]
  entrypoint: [/bin/sh, -c, exit 3]
  workdir: /app
`

// busyboxImage is a two-layer image of a static busybox whose second layer
// deletes a file of the first.
func busyboxImage(t *testing.T) v1.Image {
	t.Helper()
	busybox, err := os.ReadFile("/bin/busybox")
	require.NoError(t, err, "busybox-static must be installed: apt-get install busybox-static")
	first := []entry{
		{name: "bin/", typeflag: tar.TypeDir, mode: 0o755},
		{name: "bin/busybox", typeflag: tar.TypeReg, mode: 0o755, body: string(busybox)},
		{name: "etc/", typeflag: tar.TypeDir, mode: 0o755},
		{name: "etc/secret", typeflag: tar.TypeReg, mode: 0o600, body: "secret"},
		{name: "etc/motd", typeflag: tar.TypeReg, mode: 0o644, body: "welcome 1.2.0\n"},
	}
	for _, applet := range []string{"sh", "echo", "ls", "sleep"} {
		first = append(first, entry{name: "bin/" + applet, typeflag: tar.TypeSymlink, mode: 0o777, link: "busybox"})
	}
	second := []entry{
		{name: "etc/.wh.secret", typeflag: tar.TypeReg},
		{name: "app/", typeflag: tar.TypeDir, mode: 0o755},
		{name: "app/run", typeflag: tar.TypeReg, mode: 0o750, uid: 1000, gid: 1000, body: "#!/bin/sh\n"},
	}
	img := empty.Image
	for _, entries := range [][]entry{first, second} {
		layer, err := tarball.LayerFromOpener(tarball.Opener(opener(tarOf(t, entries...))))
		require.NoError(t, err)
		img, err = mutate.AppendLayers(img, layer)
		require.NoError(t, err)
	}
	img, err = mutate.Config(img, v1.Config{
		Env:          []string{"PATH=/bin", "GREETING=hi"},
		Entrypoint:   []string{"/bin/sh", "-c", "exit 3"},
		ExposedPorts: map[string]struct{}{"8080/tcp": {}},
		Labels:       map[string]string{"org.opencontainers.image.version": "1.2.0"},
		WorkingDir:   "/app",
	})
	require.NoError(t, err)
	return img
}

// loadImage loads img into the engine as tag and removes it when the test ends.
func loadImage(t *testing.T, eng *client.Client, tag string, img v1.Image) {
	t.Helper()
	ctx := context.Background()
	ref, err := name.NewTag(tag)
	require.NoError(t, err)
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(tarball.Write(ref, img, pw)) }()
	res, err := eng.ImageLoad(ctx, pr, client.ImageLoadWithQuiet(true))
	require.NoError(t, err)
	require.NoError(t, engine.ReadStream(res, nil, nil))
	res.Close()
	t.Cleanup(func() {
		_, _ = eng.ImageRemove(context.Background(), tag, client.ImageRemoveOptions{Force: true, PruneChildren: true})
	})
}

func TestRunnerAgainstTheEngine(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.Connect(ctx)
	require.NoError(t, err, "the Docker engine must run: scripts/services.sh up")
	t.Cleanup(func() { eng.Close() })
	op := engine.NewOperationID()
	tag := "bake-cst-test:" + op
	loadImage(t, eng, tag, busyboxImage(t))

	suite, err := Parse("checks.yaml", []byte(runSuite))
	require.NoError(t, err)
	r := &Runner{
		Engine: eng, Image: tag, Data: probe.Data{Image: "cst", Version: "1.2.0"},
		Labels: engine.Labels(op, engine.KindSandbox, nil),
		// Long enough for a container to start and exit on a loaded
		// machine; the sleep 30 check still outlasts it.
		NamePrefix: "bake-cst-test-" + op, Timeout: 12 * time.Second,
	}
	var got []ledger.CheckResult
	require.NoError(t, r.Run(ctx, suite, func(res ledger.CheckResult) { got = append(got, res) }))

	type outcome struct {
		kind, name string
		passed     bool
	}
	var outcomes []outcome
	details := map[string]string{}
	for _, res := range got {
		outcomes = append(outcomes, outcome{res.Kind, res.Name, res.Passed})
		details[res.Name] = res.Detail
	}
	assert.Equal(t, []outcome{
		{"command", "greeting", true},
		{"command", "args expanded from the image's env", true},
		{"command", "PATH from globalEnvVars", true},
		{"command", "no network but loopback", true},
		{"command", "fails: exit code", false},
		{"command", "fails: timeout", false},
		{"file-existence", "busybox", true},
		{"file-existence", "sh through its link", true},
		{"file-existence", "secret removed by the second layer", true},
		{"file-existence", "fails: app owner", false},
		{"file-content", "motd", true},
		{"metadata", "metadata env GREETING", true},
		{"metadata", "metadata label org.opencontainers.image.version", true},
		{"metadata", "metadata exposed port 8080", true},
		{"metadata", "metadata entrypoint", true},
		{"metadata", "metadata workdir", true},
	}, outcomes, "details: %v", details)
	assert.Equal(t, `"sh -c exit 4": expected exit code 3, got 4`, details["fails: exit code"])
	assert.Equal(t, `running "sleep 30": no exit within 12s`, details["fails: timeout"])
	assert.Equal(t, "expected uid 0, got 1000", details["fails: app owner"])

	left, err := eng.ContainerList(ctx, client.ContainerListOptions{
		All: true, Filters: client.Filters{}.Add("label", engine.LabelOperation+"="+op),
	})
	require.NoError(t, err)
	assert.Empty(t, left.Items, "containers left behind")
}
