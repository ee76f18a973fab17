package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/engine"
)

// sentinelProject is the project `make demo` runs. The tests never use it:
// each test's projects have names of their own.
const sentinelProject = "demo"

// labelSentinelPID names the test process that started a sentinel.
const labelSentinelPID = "dev.bake.e2e-sentinel-pid"

// sentinel is a running container labelled as a replica of project demo,
// as a user's `make demo` leaves one, started before the tests and checked
// after them: a test that removes containers by a project name it did not
// create (or a sweep wider than its own project) removes it too.
type sentinel struct {
	id, image string
}

// startSentinel runs the sentinel from an image holding only the svc binary.
func startSentinel(ctx context.Context, svc string) (*sentinel, error) {
	eng, err := engine.Connect(ctx)
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	layer, err := tarOf(svc, "svc")
	if err != nil {
		return nil, err
	}
	removeOrphanSentinels(ctx, eng)
	op := engine.NewOperationID()
	s := &sentinel{image: "bake-e2e-sentinel:" + op}
	imported, err := eng.ImageImport(ctx, client.ImageImportSource{Source: layer, SourceName: "-"}, s.image, client.ImageImportOptions{})
	if err != nil {
		return nil, fmt.Errorf("importing the sentinel image: %w", err)
	}
	_, err = io.Copy(io.Discard, imported)
	_ = imported.Close()
	if err != nil {
		return nil, fmt.Errorf("importing the sentinel image: %w", err)
	}
	created, err := eng.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name: "bake-e2e-sentinel-" + op,
		Config: &container.Config{
			Image: s.image, Entrypoint: []string{"/svc"}, Env: []string{"SVC_VERSION=0.0.0", "SVC_HEALTHY_UNTIL=0"},
			Labels: engine.Labels(op, engine.KindReplica, map[string]string{
				engine.LabelProject: sentinelProject, engine.LabelEnv: "e2e-sentinel",
				engine.LabelImage: "hello", engine.LabelVersion: "0.0.0", labelSentinelPID: strconv.Itoa(os.Getpid()),
			}),
		},
	})
	if err != nil {
		s.remove(ctx)
		return nil, fmt.Errorf("creating the sentinel container: %w", err)
	}
	s.id = created.ID
	if _, err := eng.ContainerStart(ctx, s.id, client.ContainerStartOptions{}); err != nil {
		s.remove(ctx)
		return nil, fmt.Errorf("starting the sentinel container: %w", err)
	}
	return s, nil
}

// removeOrphanSentinels removes the sentinels of test processes that ended
// without removing theirs (a -timeout panic, a kill); the sentinels of runs
// still going stay.
func removeOrphanSentinels(ctx context.Context, eng *client.Client) {
	list, err := eng.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: client.Filters{}.Add("label", labelSentinelPID)})
	if err != nil {
		return
	}
	for _, c := range list.Items {
		pid, err := strconv.Atoi(c.Labels[labelSentinelPID])
		if err != nil || pid <= 0 || syscall.Kill(pid, 0) != syscall.ESRCH {
			continue
		}
		_ = engine.Remove(ctx, eng, c.ID)
		_, _ = eng.ImageRemove(ctx, c.Image, client.ImageRemoveOptions{Force: true, PruneChildren: true})
	}
}

// check fails unless the sentinel still runs.
func (s *sentinel) check(ctx context.Context) error {
	eng, err := engine.Connect(ctx)
	if err != nil {
		return err
	}
	defer eng.Close()
	got, err := eng.ContainerInspect(ctx, s.id, client.ContainerInspectOptions{})
	if err != nil {
		return fmt.Errorf("container %.12s of project %s, started before the tests, is gone: a test removed what it did not create "+
			"(one of these, or of another test run on this machine; %w)", s.id, sentinelProject, err)
	}
	if got.Container.State == nil || !got.Container.State.Running {
		return fmt.Errorf("container %.12s of project %s, started before the tests, no longer runs: a test stopped what it did not create "+
			"(one of these, or of another test run on this machine)", s.id, sentinelProject)
	}
	return nil
}

// remove removes the sentinel container and its image.
func (s *sentinel) remove(ctx context.Context) {
	eng, err := engine.Connect(ctx)
	if err != nil {
		return
	}
	defer eng.Close()
	if s.id != "" {
		_ = engine.Remove(ctx, eng, s.id)
	}
	_, _ = eng.ImageRemove(ctx, s.image, client.ImageRemoveOptions{Force: true, PruneChildren: true})
}

// tarOf is a tar stream holding file as name, executable.
func tarOf(file, name string) (io.Reader, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	if err := w.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(data)), ModTime: time.Unix(0, 0)}); err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	return &b, w.Close()
}

// withSentinel runs the tests between starting and checking a sentinel.
func withSentinel(run func() int) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	s, err := startSentinel(ctx, svcBin)
	cancel()
	if err != nil {
		return 0, err
	}
	code := run()
	ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	defer s.remove(ctx)
	if err := s.check(ctx); err != nil {
		return 1, err
	}
	return code, nil
}
