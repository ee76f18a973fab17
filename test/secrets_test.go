package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/engine"
)

// secretImage gets the secret token in a RUN step: it writes the value's
// sha256 into the image (proof the build had it) and echoes the value to
// the build output (which bake must redact). The steps after the run's
// id, which differs in every test run, come from no earlier run's build
// cache (the value differs too, and a cached step did not get it). Its last step tries to reach
// the test's webhook server on the host's 127.0.0.1, which no build step
// may. The image also has what Packer's docker builder needs to build on it.
const secretImage = `FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN mkdir -p /tmp /root && echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd && echo 'root:x:0:' > /etc/group
RUN echo "{{ .Vars.run }}" > /run-id
RUN echo "the token is {{ secret "token" }}" && printf %s "{{ secret "token" }}" | sha256sum | cut -d' ' -f1 > /token.sha256
RUN wget -q -O- "{{ .Vars.hook }}/from-a-build-step" || echo "the host's loopback is out of reach"
CMD ["cat", "/token.sha256"]
`

// leakyImage writes the secret to disk, as bake cannot stop a template from
// doing. Its check fails and quotes the value: the release is recorded as
// failed, never pushed, and the record, the output and the webhook event
// carry "[secret]" instead.
const leakyImage = `FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN echo "{{ .Vars.run }}" > /run-id
RUN echo "{{ secret "token" }}" > /leak
`

// secretPacker is a Packer template that gets the secret as a sensitive
// variable and uses it the same way.
const secretPacker = `variable "base" {
  type = string
}
variable "token" {
  type      = string
  sensitive = true
}
source "docker" "bb" {
  image   = var.base
  pull    = false
  commit  = true
  changes = ["ENTRYPOINT [\"\"]", "CMD [\"cat\", \"/pk-token.sha256\"]"]
}
build {
  sources = ["source.docker.bb"]
  provisioner "shell" {
    inline = [
      "echo 'the token is ${var.token}'",
      "printf %s '${var.token}' | sha256sum | cut -d' ' -f1 > /pk-token.sha256",
    ]
  }
}
`

// secretProject is bake.yaml of the secrets test.
const secretProject = `project: {{PROJECT}}
registry: 127.0.0.1:5000
ledger: ledger.db
notify:
  webhook: {{WEBHOOK}}
  allow: [loopback]
images:
  sec:
    template: templates/sec
    context: images/bb
    secrets: [token]
    vars: {hook: "{{WEBHOOK}}", run: "{{PROJECT}}"}
    checks:
      - name: received
        command: {argv: ["/bin/cat", "/token.sha256"], stdout: '^{{HASH}}$'}
  leaky:
    template: templates/leaky
    context: images/bb
    secrets: [token]
    vars: {run: "{{PROJECT}}"}
    checks:
      - name: leak
        command: {argv: ["/bin/cat", "/leak"], stdout: '^nothing here$'}
  pk:
    template: templates/pk
    context: images/pk
    base: sec
    secrets: [token]
    checks:
      - name: received
        command: {argv: ["/bin/cat", "/pk-token.sha256"], stdout: '^{{HASH}}$'}
  web-ami:
    template: templates/ami
    context: images/pk
    secrets: [token]
  debian:
    template: templates/rootfs
    context: images/pk
    secrets: [token]
environments:
  - name: dev
    targets: {}
`

// TestSecretsReachOnlyTheBuild plants a random canary as a secret, bakes a
// Dockerfile template and a Packer template that use it, and then searches
// every byte bake produced for it: the images (docker save: layers, config,
// history, labels), the registry's manifests and blobs, the ledger file,
// show and history, the stdout and stderr of every command run (text and
// JSON), and the webhook's requests. It is nowhere, while the images hold
// its sha256, so the builds did get it.
func TestSecretsReachOnlyTheBuild(t *testing.T) {
	t.Parallel()
	canary := "canary-" + randomHex(t, 16)
	sum := sha256.Sum256([]byte(canary))
	hash := hex.EncodeToString(sum[:])
	hook := newRawHook(t)

	name := "e2e-" + randomHex(t, 4)
	dir := t.TempDir()
	t.Cleanup(func() { removeProject(t, name, nil, true) })
	config := strings.NewReplacer("{{PROJECT}}", name, "{{WEBHOOK}}", hook.srv.URL, "{{HASH}}", hash).Replace(secretProject)
	writeFile(t, filepath.Join(dir, "bake.yaml"), config)
	writeFile(t, filepath.Join(dir, "templates", "sec", "Dockerfile.tmpl"), secretImage)
	writeFile(t, filepath.Join(dir, "templates", "leaky", "Dockerfile.tmpl"), leakyImage)
	writeFile(t, filepath.Join(dir, "templates", "pk", "secret.pkr.hcl"), secretPacker)
	writeFile(t, filepath.Join(dir, "templates", "ami", "ami.yaml"), "source: {ami: ami-12345678}\nscripts: [run.sh]\n")
	writeFile(t, filepath.Join(dir, "templates", "rootfs", "rootfs.yaml"), "suite: bookworm\n")
	writeFile(t, filepath.Join(dir, "images", "pk", "run.sh"), "#!/bin/sh\n")
	busybox, err := os.ReadFile("/bin/busybox")
	require.NoError(t, err, "busybox-static must be installed: scripts/services.sh up")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "images", "bb"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "images", "bb", "busybox"), busybox, 0o755))

	c := &canarySearch{t: t, canary: []byte(canary)}
	secretEnv := []string{"BAKE_SECRET_TOKEN=" + canary}
	run := func(env []string, args ...string) result {
		t.Helper()
		res := bakeEnv(t, dir, env, args...)
		c.search("stdout of bake "+strings.Join(args, " "), []byte(res.stdout))
		c.search("stderr of bake "+strings.Join(args, " "), []byte(res.stderr))
		return res
	}
	want := func(code int, env []string, args ...string) result {
		t.Helper()
		res := run(env, args...)
		require.Equal(t, code, res.code, "bake %s\n%s", strings.Join(args, " "), res)
		return res
	}

	// Without the variable: bad input, naming the image, the secret and the variable.
	res := want(2, nil, "release", "sec", "--version", "0.9.0")
	assert.Contains(t, res.stderr, `image "sec" needs secret "token": set BAKE_SECRET_TOKEN`)

	// The Dockerfile template, with text and with JSON output.
	res = want(0, secretEnv, "release", "sec", "--version", "1.0.0")
	assert.Contains(t, res.stderr, "the token is [secret]", "the build's echo, redacted")
	assert.Contains(t, res.stderr, "--mount=type=secret,id=token", "the step mounts the secret")
	assert.Contains(t, res.stderr, "the host's loopback is out of reach")
	res = want(0, secretEnv, "release", "sec", "--version", "1.0.1", "--force", "-o", "json")
	assert.Contains(t, res.stderr, `the token is [secret]"}`)
	want(0, secretEnv, "build", "sec", "--force")

	// The Packer template, on top of sec.
	res = want(0, secretEnv, "release", "pk", "--version", "1.0.0", "-o", "json")
	assert.Contains(t, res.stderr, "the token is [secret]")

	// A template that writes the secret to disk: its check quotes it.
	res = want(1, secretEnv, "release", "leaky", "--version", "1.0.0")
	assert.Contains(t, res.stderr, "[secret]")
	res = want(1, secretEnv, "release", "leaky", "--version", "1.0.1", "-o", "json")
	assert.Contains(t, res.stdout, "[secret]", "the check result, redacted")

	// Builders that cannot keep a secret refuse one.
	res = want(2, secretEnv, "release", "web-ami", "--version", "1.0.0")
	assert.Contains(t, res.stderr, `image "web-ami" declares secrets (token), but the native AMI builder`)
	assert.Contains(t, res.stderr, "EC2 user data")
	res = want(2, secretEnv, "release", "debian", "--version", "1.0.0")
	assert.Contains(t, res.stderr, `image "debian" declares secrets (token), but a Debian root filesystem`)

	// What bake shows and records.
	for _, img := range []string{"sec", "pk", "leaky"} {
		want(0, nil, "history", img, "-o", "json")
		want(0, nil, "history", img)
	}
	for _, ref := range []string{"sec@1.0.0", "sec@1.0.1", "pk@1.0.0", "leaky@1.0.0"} {
		want(0, nil, "show", ref, "-o", "json")
		want(0, nil, "show", ref)
	}
	var leaky showDoc
	decodeOne(t, want(0, nil, "show", "leaky@1.0.0", "-o", "json").stdout, &leaky)
	assert.Equal(t, "failed", leaky.Status)

	// The ledger's files.
	ledgers, err := filepath.Glob(filepath.Join(dir, "ledger.db*"))
	require.NoError(t, err)
	require.NotEmpty(t, ledgers)
	for _, f := range ledgers {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		c.search(filepath.Base(f), b)
	}

	// The images: every byte of docker save, their labels and history; and
	// each holds the canary's hash.
	ctx := context.Background()
	eng, err := engine.Connect(ctx)
	require.NoError(t, err)
	defer eng.Close()
	for ref, file := range map[string]string{"sec@1.0.0": "token.sha256", "sec@1.0.1": "token.sha256", "pk@1.0.0": "pk-token.sha256"} {
		image := "127.0.0.1:5000/" + name + "/" + strings.Replace(ref, "@", ":", 1)
		save, err := eng.ImageSave(ctx, []string{image})
		require.NoError(t, err)
		saved, err := io.ReadAll(save)
		save.Close()
		require.NoError(t, err)
		c.searchTar("docker save "+ref, saved)
		insp, err := eng.ImageInspect(ctx, image)
		require.NoError(t, err)
		labels, _ := json.Marshal(insp.Config.Labels)
		c.search("labels of "+ref, labels)
		hist, err := eng.ImageHistory(ctx, image)
		require.NoError(t, err)
		histJSON, _ := json.Marshal(hist)
		c.search("history of "+ref, histJSON)
		assert.Equal(t, hash+"\n", readImageFile(t, saved, file), "%s holds sha256 of the secret", ref)
	}

	// The registry: every manifest, config and layer of the project's
	// repositories, over its API (leaky was never pushed).
	for _, img := range []string{"sec", "pk", "leaky"} {
		repo := name + "/" + img
		var tags struct {
			Tags []string `json:"tags"`
		}
		code, body := registryGet(t, "/v2/"+repo+"/tags/list")
		if img == "leaky" {
			assert.Equal(t, http.StatusNotFound, code, "a failed release is never pushed")
			continue
		}
		require.Equal(t, http.StatusOK, code, "%s", body)
		require.NoError(t, json.Unmarshal(body, &tags))
		require.NotEmpty(t, tags.Tags)
		for _, tag := range tags.Tags {
			code, manifest := registryGet(t, "/v2/"+repo+"/manifests/"+tag)
			require.Equal(t, http.StatusOK, code, "%s", manifest)
			c.search("registry manifest "+repo+":"+tag, manifest)
			var m struct {
				Config struct{ Digest string }   `json:"config"`
				Layers []struct{ Digest string } `json:"layers"`
			}
			require.NoError(t, json.Unmarshal(manifest, &m))
			require.NotEmpty(t, m.Layers)
			for _, d := range append([]string{m.Config.Digest}, layerDigests(m.Layers)...) {
				code, blob := registryGet(t, "/v2/"+repo+"/blobs/"+d)
				require.Equal(t, http.StatusOK, code)
				c.search("registry blob "+d+" of "+repo+":"+tag, blob)
			}
		}
	}

	// The webhook: bake waits for its deliveries before it exits.
	bodies := hook.all()
	require.NotEmpty(t, bodies)
	var failed int
	for i, b := range bodies {
		c.search(fmt.Sprintf("webhook event %d", i), b)
		if bytes.Contains(b, []byte(`"release.failed"`)) {
			failed++
		}
	}
	assert.GreaterOrEqual(t, failed, 2, "the leaky releases' events")

	t.Logf("searched %d places, %d bytes, for %s", c.places, c.scanned, canary)
	assert.Empty(t, c.found, "the secret's value was found")

	// No build step reached the webhook server on the host's loopback.
	hook.mu.Lock()
	assert.NotContains(t, hook.paths, "/from-a-build-step")
	hook.mu.Unlock()

	// The history of sec shows where the step read the secret: a file of
	// the mount, gone with the step.
	hist, err := eng.ImageHistory(ctx, "127.0.0.1:5000/"+name+"/sec:1.0.0")
	require.NoError(t, err)
	var reads int
	for _, h := range hist.Items {
		reads += strings.Count(h.CreatedBy, "$(cat /run/secrets/token)")
	}
	assert.Equal(t, 2, reads, "both uses of the secret read the mounted file")

	// The search finds the value where it is: the image whose template
	// wrote it to disk, which stays in the local engine only.
	control := &canarySearch{t: t, canary: []byte(canary)}
	save, err := eng.ImageSave(ctx, []string{"127.0.0.1:5000/" + name + "/leaky:1.0.0"})
	require.NoError(t, err)
	saved, err := io.ReadAll(save)
	save.Close()
	require.NoError(t, err)
	control.searchTar("docker save leaky@1.0.0", saved)
	assert.NotEmpty(t, control.found, "the search would have found a leak")
}
