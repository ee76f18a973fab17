package cst

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/ledger"
)

// commandTest renders and runs one command test and records its result.
func (r *Runner) commandTest(ctx context.Context, i int, global []EnvVar, t CommandTest, record func(ledger.CheckResult)) error {
	start := time.Now()
	rd := &renderer{data: r.Data}
	t = rd.commandTest(index("commandTests", i), t)
	vars := append(rd.envVars("globalEnvVars", global), t.EnvVars...)
	res := ledger.CheckResult{Name: t.Name, Kind: KindCommand}
	if rd.err != nil {
		res.Detail, res.Duration = rd.err.Error(), time.Since(start)
		record(res)
		return nil
	}
	imageEnv, err := r.environment(ctx)
	if err != nil {
		return err
	}
	// $NAME in the command and its args is what the container will see: the
	// image's environment with the test's variables over it, whose own
	// values may refer to earlier ones ("/env/bin:$PATH").
	seen := maps.Clone(imageEnv)
	env := make([]string, len(vars))
	for k, ev := range vars {
		seen[ev.Key] = expandEnv(ev.Value, seen)
		env[k] = ev.Key + "=" + seen[ev.Key]
	}
	argv := []string{expandEnv(t.Command, seen)}
	for _, a := range t.Args {
		argv = append(argv, expandEnv(a, seen))
	}
	name := ""
	if r.NamePrefix != "" {
		name = fmt.Sprintf("%s-%d", r.NamePrefix, i)
	}
	out, err := r.runCommand(ctx, name, argv, env)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	switch {
	case err != nil:
		res.Detail = err.Error()
	default:
		if res.Detail, res.Passed, err = checkCommand(t, out); err != nil {
			res.Detail = err.Error()
		}
	}
	res.Duration = time.Since(start)
	record(res)
	return nil
}

// environment returns the image's environment, for $NAME in commands.
func (r *Runner) environment(ctx context.Context) (map[string]string, error) {
	if r.imageEnv != nil {
		return r.imageEnv, nil
	}
	insp, err := r.Engine.ImageInspect(ctx, r.Image)
	if err != nil {
		return nil, fmt.Errorf("structure tests: inspecting image %s: %w", r.Image, err)
	}
	r.imageEnv = map[string]string{}
	if insp.Config != nil {
		r.imageEnv = envMap(insp.Config.Env)
	}
	return r.imageEnv, nil
}

// runCommand runs argv as the entrypoint of a fresh container of the image
// with no network, waits for it within the runner's timeout, and removes
// it in every case.
func (r *Runner) runCommand(ctx context.Context, name string, argv, env []string) (commandOutcome, error) {
	out := commandOutcome{Argv: argv}
	cmd := strings.Join(argv, " ")
	ctx, cancel := context.WithTimeout(ctx, r.timeout())
	defer cancel()
	host := &container.HostConfig{NetworkMode: "none"}
	engine.Isolate(host, !r.Writable)
	createdID, err := engine.CreateContainer(ctx, r.Engine, client.ContainerCreateOptions{
		Name: name,
		Config: &container.Config{
			Image: r.Image, Entrypoint: argv[:1], Cmd: append([]string{}, argv[1:]...), Env: env, Labels: r.Labels,
		},
		HostConfig: host,
	})
	if err != nil {
		return out, fmt.Errorf("creating container for %q: %w", cmd, err)
	}
	defer engine.Remove(ctx, r.Engine, createdID)
	wait := r.Engine.ContainerWait(ctx, createdID, client.ContainerWaitOptions{Condition: container.WaitConditionNextExit})
	if _, err := r.Engine.ContainerStart(ctx, createdID, client.ContainerStartOptions{}); err != nil {
		return out, fmt.Errorf("running %q: %w", cmd, err)
	}
	select {
	case res := <-wait.Result:
		out.ExitCode = int(res.StatusCode)
	case err := <-wait.Error:
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return out, fmt.Errorf("running %q: no exit within %s", cmd, r.timeout())
		}
		return out, fmt.Errorf("running %q: %w", cmd, err)
	}
	out.Stdout, out.Stderr, err = r.logs(ctx, createdID)
	if err != nil {
		return out, fmt.Errorf("reading the output of %q: %w", cmd, err)
	}
	return out, nil
}

func (r *Runner) logs(ctx context.Context, id string) (string, string, error) {
	rc, err := r.Engine.ContainerLogs(ctx, id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return "", "", err
	}
	defer rc.Close()
	var stdout, stderr bytes.Buffer
	_, err = stdcopy.StdCopy(&stdout, &stderr, rc)
	return stdout.String(), stderr.String(), err
}
