package sandbox

import (
	"context"
	"fmt"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// exited says why the service container stopped, or "" while it runs (or
// when the engine cannot tell). A check that reached the forwarder proves
// nothing about a service that is gone, so every service check asks this:
// the forwarder accepts connections whether or not the service behind it
// does. With a read-only root it names the opt-out, since an image that
// writes outside /tmp at start is the commonest reason to stop at once.
func (r *run) exited(ctx context.Context) string {
	if r.service == "" {
		return ""
	}
	eng := r.sandbox.Engine
	insp, err := eng.ContainerInspect(ctx, r.service, client.ContainerInspectOptions{})
	if err != nil || insp.Container.State == nil || insp.Container.State.Running {
		return ""
	}
	why := fmt.Sprintf("the service exited with code %d", insp.Container.State.ExitCode)
	stdout, stderr := output(ctx, eng, r.service)
	if last := lastLine(stderr + "\n" + stdout); last != "" {
		why += ": " + clip(last)
	}
	if r.subject.Image.Sandbox.ReadOnly {
		why += fmt.Sprintf(" (its root filesystem is read-only, /tmp excepted: if it must write elsewhere, set images.%s.sandbox: {read_only: false})",
			r.subject.Image.Name)
	}
	return why
}

// whileRunning is ctx, cancelled as soon as the service container stops,
// so a check does not retry until its deadline against a service that is
// gone (exited tells why).
func (r *run) whileRunning(ctx context.Context) (context.Context, context.CancelFunc) {
	cctx, cancel := context.WithCancel(ctx)
	if r.service == "" {
		return cctx, cancel
	}
	wait := r.sandbox.Engine.ContainerWait(cctx, r.service, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	go func() {
		select {
		case <-wait.Result:
			cancel()
		case <-wait.Error:
		case <-cctx.Done():
		}
	}()
	return cctx, cancel
}

// lastLine is the last non-blank line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
