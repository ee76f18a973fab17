package frontdoor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// running returns the pid of the door's Caddy if the process bake started
// answers on the door's admin socket, else 0. When bake could not wait for
// the answer (its run was cancelled, or a loaded Caddy was slow), a live
// Caddy with the recorded pid counts as running: taking it for down would
// have it stopped and restarted, dropping the route's traffic.
func running(ctx context.Context, d door) int {
	var rec startRecord
	data, err := os.ReadFile(d.path(startRecordFileName))
	if err != nil || json.Unmarshal(data, &rec) != nil || rec.PID <= 1 {
		return 0
	}
	askCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if call(askCtx, d, rec.PID, http.MethodGet, "/config/admin", nil, nil) != nil {
		if askCtx.Err() != nil && alive(rec.PID) && isCaddy(rec.PID) {
			return rec.PID
		}
		return 0
	}
	return rec.PID
}

// isCaddy reports whether process pid runs a caddy binary.
func isCaddy(pid int) bool {
	exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	return err == nil && strings.HasPrefix(filepath.Base(exe), "caddy")
}

// start runs a Caddy for the door detached (it outlives bake) and waits
// until its admin API answers and it accepts connections on listen. When
// shared is false, nothing may accept connections on listen before it
// starts: Caddy binds with SO_REUSEPORT, so another Caddy of this user
// would silently share the address.
func (c *Caddy) start(ctx context.Context, d door, f doorFile, shared bool) error {
	bin, version, err := c.checkBinary(ctx)
	if err != nil {
		return err
	}
	if err := checkPrivate(d.dir); err != nil {
		return err
	}
	if !shared && accepts(ctx, f.Listen) {
		return fmt.Errorf("%s already accepts connections: another process serves it (a Caddy started by an earlier bake? see \"Front door\" in the README)", f.Listen)
	}
	// A record left by an earlier start must not vouch for this one.
	for _, name := range []string{startRecordFileName, pidFileName} {
		if err := os.Remove(d.path(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("removing %q: %w", d.path(name), err)
		}
	}
	if err := ensureLogSwitches(d); err != nil {
		return err
	}
	if err := writeJSON(d.path(configFileName), c.doorConfig(d, f)); err != nil {
		return err
	}
	logPath := d.path(logFileName)
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("opening caddy log: %w", err)
	}
	// The child keeps its own descriptor; this one is not needed after Start.
	defer func() { _ = logFile.Close() }()

	cmd := exec.Command(bin, "run", "--config", d.path(configFileName), "--pidfile", d.path(pidFileName))
	cmd.Dir = d.dir
	// Caddy gets none of bake's environment (secrets, cloud credentials):
	// only homes of its own, under the door's directory.
	cmd.Env = []string{
		"HOME=" + d.dir,
		"XDG_CONFIG_HOME=" + d.path("config"),
		"XDG_DATA_HOME=" + d.path("data"),
		"PATH=/usr/bin:/bin",
	}
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := writeLogLine(logFile, startMessage, f); err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %q: %w", bin, err)
	}
	pid := cmd.Process.Pid
	if err := writeJSON(d.path(startRecordFileName), startRecord{Binary: bin, Version: version, PID: pid}); err != nil {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		return err
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	if err := waitStarted(ctx, d, pid, f.Listen, exited, func() error { return waitErr }); err != nil {
		select {
		case <-exited:
		default:
			// A Caddy that never answered is of no use; do not leave it behind.
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
		return fmt.Errorf("%w; %s ends with:\n%s", err, logPath, logTail(logPath, 20))
	}
	return nil
}

// waitStarted polls until the door's Caddy (pid) answers on its admin
// socket and accepts connections on listen, it exits, the start timeout
// passes or ctx is done.
func waitStarted(ctx context.Context, d door, pid int, listen string, exited <-chan struct{}, waitErr func() error) error {
	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if running(ctx, d) == pid && accepts(ctx, listen) {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("caddy exited before it served %s: %v", listen, waitErr())
		case <-deadline.C:
			return fmt.Errorf("caddy not serving %s after %s", listen, startTimeout)
		case <-ctx.Done():
			return fmt.Errorf("waiting for caddy: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// accepts reports whether something accepts TCP connections on addr.
func accepts(ctx context.Context, addr string) bool {
	dialer := net.Dialer{Timeout: 500 * time.Millisecond}
	conn, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	_ = conn.Close()
	return true
}

// stop asks the door's Caddy to exit and waits until its process is gone,
// killing it if it does not go in time. A Caddy started for the door by a
// bake killed before it recorded the start is found by its pid file and
// command line, and terminated. A door with no Caddy running is left as
// it is.
func stop(ctx context.Context, d door) error {
	pid := running(ctx, d)
	if pid != 0 {
		// Caddy may drop the connection as it exits; the wait below decides.
		_ = call(ctx, d, pid, http.MethodPost, "/stop", nil, nil)
	} else if pid = unrecorded(d); pid != 0 {
		_ = syscall.Kill(pid, syscall.SIGTERM)
	} else {
		return nil
	}
	deadline := time.Now().Add(stopTimeout)
	for alive(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			deadline = time.Now().Add(stopTimeout)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopping caddy %d: %w", pid, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

// unrecorded returns the pid of a Caddy of this user running the door's
// config whose start bake did not record, or 0.
func unrecorded(d door) int {
	data, err := os.ReadFile(d.path(pidFileName))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || !ownProcess(pid, "\x00"+d.path(configFileName)+"\x00") {
		return 0
	}
	return pid
}

// ownProcess reports whether pid is a live process of this user whose
// command line contains arg.
func ownProcess(pid int, arg string) bool {
	if pid <= 1 || !alive(pid) {
		return false
	}
	info, err := os.Stat("/proc/" + strconv.Itoa(pid))
	if err != nil {
		return false
	}
	if st, ok := info.Sys().(*syscall.Stat_t); !ok || int(st.Uid) != os.Getuid() {
		return false
	}
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return err == nil && strings.Contains(string(cmdline), arg)
}

// alive reports whether process pid exists and has not exited.
func alive(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses; Z is a zombie.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}
