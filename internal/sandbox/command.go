package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/ledger"
)

// commandChecks runs each command check in a container of its own with no
// network: the command replaces the image's entrypoint, so it also works on
// images without a shell.
func (r *run) commandChecks(ctx context.Context) error {
	for k, c := range r.subject.Image.Checks {
		if c.Command == nil {
			continue
		}
		start := time.Now()
		detail, passed, err := r.commandCheck(ctx, k, c)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			detail, passed = err.Error(), false
		}
		r.record(ledger.CheckResult{Name: c.Name, Kind: "command", Passed: passed, Detail: detail, Duration: time.Since(start)})
	}
	return nil
}

func (r *run) commandCheck(ctx context.Context, index int, c config.Check) (string, bool, error) {
	s := r.sandbox
	argv, want, err := renderCommand(r.data, c.Command)
	if err != nil {
		return "", false, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.Command.Timeout)
	defer cancel()
	name := fmt.Sprintf("bake-check-%s-%d", r.subject.names(s.Project, s.Operation), index)
	createdID, err := engine.CreateContainer(ctx, s.Engine, client.ContainerCreateOptions{
		Name: name,
		Config: &container.Config{
			Image: r.subject.Ref, Entrypoint: argv, Cmd: []string{},
			Labels: engine.Labels(s.Operation, engine.KindSandbox, map[string]string{
				engine.LabelProject: s.Project, engine.LabelImage: r.subject.Image.Name, engine.LabelVersion: r.subject.Version,
			}),
		},
		HostConfig: isolated(&container.HostConfig{NetworkMode: "none"}, r.subject.Image.Sandbox.ReadOnly),
	})
	if err != nil {
		return "", false, fmt.Errorf("creating check container: %w", err)
	}
	defer engine.Remove(ctx, s.Engine, createdID)
	wait := s.Engine.ContainerWait(ctx, createdID, client.ContainerWaitOptions{Condition: container.WaitConditionNextExit})
	if _, err := s.Engine.ContainerStart(ctx, createdID, client.ContainerStartOptions{}); err != nil {
		return "", false, fmt.Errorf("running %q: %w", strings.Join(argv, " "), err)
	}
	var code int64
	select {
	case res := <-wait.Result:
		code = res.StatusCode
	case err := <-wait.Error:
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return "", false, fmt.Errorf("running %q: no exit within %s", strings.Join(argv, " "), c.Command.Timeout)
		}
		return "", false, fmt.Errorf("running %q: %w", strings.Join(argv, " "), err)
	}
	stdout, stderr := output(ctx, s.Engine, createdID)
	detail, passed := commandVerdict(strings.Join(argv, " "), c.Command, want, int(code), stdout, stderr)
	return detail, passed, nil
}

func output(ctx context.Context, eng *client.Client, id string) (string, string) {
	logs, err := eng.ContainerLogs(ctx, id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return "", ""
	}
	defer logs.Close()
	var out, errOut bytes.Buffer
	_, _ = stdcopy.StdCopy(&out, &errOut, logs)
	return out.String(), errOut.String()
}

func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

func isolated(h *container.HostConfig, readOnly bool) *container.HostConfig {
	engine.Isolate(h, readOnly)
	return h
}
