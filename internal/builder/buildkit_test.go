package builder

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/secret"
)

// buildWith renders dockerfile as the spec's template and builds it. The
// base image is the same in every test, so a first step unique to the
// project keeps the others from coming out of an earlier test's cache.
func buildWith(t *testing.T, eng *client.Client, s Spec, b config.Builder, dockerfile string) (Built, error) {
	t.Helper()
	dockerfile = strings.Replace(dockerfile, "\n", "\nRUN echo "+s.Project+" > /project\n", 1)
	write(t, filepath.Join(s.Image.Template, DockerfileTemplate), dockerfile)
	job, err := (&Docker{Engine: eng, Builder: b}).Prepare(s)
	require.NoError(t, err)
	return job.Run(context.Background())
}

// The secret reaches its RUN steps through a secret mount: the step saw
// the value (its sha256 is in the image), the output printed [secret], and
// neither the image's layers nor its history hold the value.
func TestBuildKitMountsSecretsAndKeepsThemOutOfTheImage(t *testing.T) {
	eng, s := busyboxProject(t, "bk-")
	s.Image.Secrets, s.Secrets = []string{"tok"}, secret.Values{"tok": canary}
	built, err := buildWith(t, eng, s, config.Builder{},
		"FROM {{ .Base }}\nRUN echo \"the token is {{ secret \"tok\" }}\" \\\n && printf %s \"{{ secret \"tok\" }}\" | sha256sum > /tok.sha256\n")
	require.NoError(t, err)
	progress := s.Progress.(*syncBuffer).String()
	assert.Contains(t, progress, "the token is [secret]")
	assert.NotContains(t, progress, canary)

	insp, err := eng.ImageInspect(context.Background(), s.Tag())
	require.NoError(t, err)
	assert.Equal(t, insp.ID, built.ImageID)
	assert.Equal(t, built.InputsDigest, insp.Config.Labels["dev.bake.inputs-digest"])
	assert.Equal(t, "1.0.0", insp.Config.Labels[engine.LabelVersion])

	hist, err := eng.ImageHistory(context.Background(), s.Tag())
	require.NoError(t, err)
	for _, h := range hist.Items {
		assert.NotContains(t, h.CreatedBy, canary)
	}
	saved, err := eng.ImageSave(context.Background(), []string{s.Tag()})
	require.NoError(t, err)
	defer saved.Close()
	layers, err := io.ReadAll(saved)
	require.NoError(t, err)
	assert.False(t, bytes.Contains(layers, []byte(canary)), "the value is in the saved image")
	assert.True(t, bytes.Contains(layers, []byte(sha256Hex(canary))), "the step had the value")
}

// No build step reaches the host's loopback: a server on 127.0.0.1 that
// a RUN step tries to reach gets no request, with or without secrets.
func TestBuildKitStepsDoNotReachTheHostLoopback(t *testing.T) {
	var hits atomic.Int32
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.WriteString(w, "reached")
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	eng, s := busyboxProject(t, "bk-")
	s.Image.Secrets, s.Secrets = []string{"tok"}, secret.Values{"tok": canary}
	_, err = buildWith(t, eng, s, config.Builder{}, fmt.Sprintf(
		"FROM {{ .Base }}\nRUN test -n \"{{ secret \"tok\" }}\" && (wget -q -O- http://%s/ || echo host loopback unreachable)\n", ln.Addr()))
	require.NoError(t, err)
	assert.Contains(t, s.Progress.(*syncBuffer).String(), "host loopback unreachable")
	assert.Zero(t, hits.Load(), "a build step reached the host's 127.0.0.1")
}

// A cache mount outlives the build: the second build, after a change to
// the context, finds what the first one left in it.
func TestBuildKitKeepsCacheMountsBetweenBuilds(t *testing.T) {
	eng, s := busyboxProject(t, "bk-")
	cacheID := "bake-test-" + engine.NewOperationID()
	dockerfile := "FROM {{ .Base }}\nCOPY input /input\nRUN --mount=type=cache,id=" + cacheID +
		",target=/cache cat /input >> /cache/log && echo \"cache holds $(wc -l < /cache/log) lines\"\n"
	count := regexp.MustCompile(`cache holds (\d+) lines`)
	for i, want := range []string{"1", "2"} {
		write(t, filepath.Join(s.Image.Context, "input"), fmt.Sprintf("build %d\n", i))
		s.Progress = &syncBuffer{}
		_, err := buildWith(t, eng, s, config.Builder{}, dockerfile)
		require.NoError(t, err)
		m := count.FindStringSubmatch(s.Progress.(*syncBuffer).String())
		require.NotNil(t, m, "build %d printed no line count", i)
		assert.Equal(t, want, m[1], "build %d", i)
	}
}

// Independent stages run at the same time: each waits (at most 30 s) for
// the other to have started, through a cache mount both share, so built
// one after the other the first would give up and the build fail.
func TestBuildKitBuildsIndependentStagesInParallel(t *testing.T) {
	eng, s := busyboxProject(t, "bk-")
	mount := "--mount=type=cache,id=bake-test-" + engine.NewOperationID() + ",target=/meet,sharing=shared"
	stage := func(me, other string) string {
		return fmt.Sprintf("FROM {{ .Base }} AS %[1]s\nRUN %[3]s touch /meet/%[1]s && for i in $(seq 300); do [ -f /meet/%[2]s ] && exit 0; sleep 0.1; done; exit 1\nRUN echo %[1]s > /%[1]s\n", me, other, mount)
	}
	built, err := buildWith(t, eng, s, config.Builder{},
		stage("left", "right")+stage("right", "left")+"FROM {{ .Base }}\nCOPY --from=left /left /left\nCOPY --from=right /right /right\n")
	require.NoError(t, err, "the stages did not run at the same time")
	assert.NotEmpty(t, built.ImageID)
}

// The legacy builder still builds what it can: a template without secrets.
func TestLegacyBuilderBuilds(t *testing.T) {
	eng, s := busyboxProject(t, "legacy-")
	built, err := buildWith(t, eng, s, config.Builder{Legacy: true}, "FROM {{ .Base }}\nRUN echo legacy > /built\n")
	require.NoError(t, err)
	insp, err := eng.ImageInspect(context.Background(), s.Tag())
	require.NoError(t, err)
	assert.Equal(t, insp.ID, built.ImageID)
	assert.Equal(t, built.InputsDigest, insp.Config.Labels["dev.bake.inputs-digest"])
}

// TestBuilderProvenance names the builder a release records: the engine's
// legacy builder or BuildKit, or a buildkitd by scheme and host alone.
func TestBuilderProvenance(t *testing.T) {
	t.Setenv(BuildKitHostEnv, "")
	for _, tt := range []struct {
		conf config.Builder
		want string
	}{
		{config.Builder{}, "docker buildkit"},
		{config.Builder{Legacy: true}, "docker legacy"},
		{config.Builder{Address: "tcp://buildkit.internal:1234"}, "buildkitd tcp://buildkit.internal:1234"},
		{config.Builder{Address: "tcp://user:pw@buildkit.internal:1234?x=y"}, "buildkitd tcp://buildkit.internal:1234"},
		{config.Builder{Address: "unix:///run/buildkit/buildkitd.sock"}, "buildkitd unix:///run/buildkit/buildkitd.sock"},
	} {
		assert.Equal(t, tt.want, buildKit{conf: tt.conf}.provenance())
	}
	t.Setenv(BuildKitHostEnv, "tcp://farm:1234")
	assert.Equal(t, "buildkitd tcp://farm:1234", buildKit{}.provenance(), "BUILDKIT_HOST comes first")
}
