package builder

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// packerRun is one invocation of the packer binary.
type packerRun struct {
	binary   string
	dir      string // working directory: the build context
	args     []string
	progress io.Writer // Packer's messages for people, one per line; may be nil
	grace    time.Duration
}

// runPacker runs Packer in a process group of its own and parses its output
// as it arrives. When ctx is done the group gets SIGINT, as from Ctrl-C at a
// terminal, so Packer tears down what it created; if it has not exited after
// the grace period, the group is killed. Nothing of the group outlives the call.
func runPacker(ctx context.Context, r packerRun) (PackerResult, error) {
	progress := r.progress
	if progress == nil {
		progress = io.Discard
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return PackerResult{}, err
	}
	cmd := exec.Command(r.binary, r.args...)
	cmd.Dir = r.dir
	cmd.Env = packerEnv()
	// One pipe for both streams: Packer's stderr is only ever a crash or a plugin's stray line.
	cmd.Stdout, cmd.Stderr = pw, pw
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		if missing := packerMissing(r.binary, err); missing != nil {
			return PackerResult{}, missing
		}
		return PackerResult{}, fmt.Errorf("starting packer: %w", err)
	}
	pw.Close() // the group holds the only write ends now, so EOF means it is gone
	group := cmd.Process.Pid

	parsed := make(chan PackerResult, 1)
	go func() {
		res, _ := ParsePackerOutput(pr, func(u PackerUI) { fmt.Fprintln(progress, u.Text) })
		parsed <- res
	}()

	exited := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			_ = syscall.Kill(-group, syscall.SIGINT)
			select {
			case <-time.After(r.grace):
				_ = syscall.Kill(-group, syscall.SIGKILL)
			case <-exited:
			}
		case <-exited:
		}
	}()

	waitErr := cmd.Wait()
	close(exited)
	// Packer has exited; anything of its group still running (a plugin, a
	// docker CLI) is orphaned work that no one would clean up.
	_ = syscall.Kill(-group, syscall.SIGKILL)
	var res PackerResult
	select {
	case res = <-parsed:
	case <-time.After(10 * time.Second):
		// Something outside the group holds the pipe: stop reading.
		pr.Close()
		res = <-parsed
	}
	pr.Close()

	if ctx.Err() != nil {
		return res, fmt.Errorf("%w: %w", ErrPackerInterrupted, context.Cause(ctx))
	}
	if waitErr == nil {
		if len(res.Errors) > 0 {
			return res, res.Err()
		}
		return res, nil
	}
	if err := res.Err(); err != nil {
		return res, err
	}
	if len(res.Unparsed) > 0 {
		return res, fmt.Errorf("packer %v: %s", waitErr, strings.Join(res.Unparsed, "\n"))
	}
	return res, fmt.Errorf("packer %v", waitErr)
}
