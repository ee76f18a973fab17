package frontdoor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gofrs/flock"
)

const (
	// startTimeout bounds how long a freshly started Caddy may take to answer.
	startTimeout = 15 * time.Second
	// lockTimeout bounds the wait for another bake that is starting Caddy.
	lockTimeout = startTimeout + 15*time.Second

	// startMessage is the log line written before each start of Caddy.
	startMessage = "starting caddy"

	lockFileName    = "caddy.lock"
	logFileName     = "caddy.log"
	pidFileName     = "caddy.pid"
	initialFileName = "initial.json"
	configDirName   = "config"
	dataDirName     = "data"
)

// Ensure makes sure a Caddy answers on c.Admin. If nothing does, it starts
// `caddy run --resume` in its own session so that it outlives bake and comes
// back with its last config, and waits until the admin API answers.
func (c *Caddy) Ensure(ctx context.Context) error {
	if err := checkLoopback(c.Admin); err != nil {
		return fmt.Errorf("ensuring caddy: admin address: %w", err)
	}
	if c.StateDir == "" {
		return errors.New("ensuring caddy: no state dir")
	}
	if c.answers(ctx) {
		return nil
	}
	stateDir, err := filepath.Abs(c.StateDir)
	if err != nil {
		return fmt.Errorf("ensuring caddy: state dir %q: %w", c.StateDir, err)
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return fmt.Errorf("ensuring caddy: %w", err)
	}

	lock := flock.New(filepath.Join(stateDir, lockFileName))
	lockCtx, cancel := context.WithTimeout(ctx, lockTimeout)
	defer cancel()
	locked, err := lock.TryLockContext(lockCtx, 100*time.Millisecond)
	if err != nil || !locked {
		return fmt.Errorf("ensuring caddy: waiting for %q: %w", lock.Path(), errors.Join(err, lockCtx.Err()))
	}
	defer func() { _ = lock.Unlock() }()

	// Another bake may have started it while this one waited for the lock.
	if c.answers(ctx) {
		return nil
	}
	if err := c.start(ctx, stateDir); err != nil {
		return fmt.Errorf("ensuring caddy (admin %s): %w", c.Admin, err)
	}
	return nil
}

// start runs Caddy detached and waits for its admin API.
func (c *Caddy) start(ctx context.Context, stateDir string) error {
	bin, version, err := c.checkBinary(ctx)
	if err != nil {
		return err
	}
	// A record left by an earlier start must not vouch for this one.
	record := filepath.Join(stateDir, startRecordFileName)
	if err := os.Remove(record); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing %q: %w", record, err)
	}
	configHome := filepath.Join(stateDir, configDirName)
	if err = c.pinAdmin(filepath.Join(configHome, "caddy", "autosave.json")); err != nil {
		return err
	}
	initial := filepath.Join(stateDir, initialFileName)
	if err := writeJSON(initial, map[string]any{"admin": c.adminConfig()}); err != nil {
		return err
	}
	logPath := filepath.Join(stateDir, logFileName)
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("opening caddy log: %w", err)
	}
	// The child keeps its own descriptor; this one is not needed after Start.
	defer func() { _ = logFile.Close() }()

	// --resume wins over --config once an autosave exists (pinAdmin has
	// fixed its admin section); before that the initial config puts the admin
	// API on c.Admin. Caddy 2.7 and later also take CADDY_ADMIN as the
	// default for a config loaded without an admin section.
	cmd := exec.Command(bin, "run", "--resume", "--config", initial, "--pidfile", filepath.Join(stateDir, pidFileName))
	cmd.Dir = stateDir
	cmd.Env = append(os.Environ(),
		"XDG_CONFIG_HOME="+configHome,
		"XDG_DATA_HOME="+filepath.Join(stateDir, dataDirName),
		"CADDY_ADMIN="+c.Admin,
	)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	// Mark each start in Caddy's own JSON log so restarts can be told apart.
	if err := writeLogLine(logFile, startMessage, c.Admin); err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %q: %w", bin, err)
	}
	if err := writeJSON(record, startRecord{Binary: bin, Version: version, PID: cmd.Process.Pid}); err != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		return err
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()

	if err := c.waitAdmin(ctx, exited, func() error { return waitErr }); err != nil {
		select {
		case <-exited:
		default:
			// A Caddy that never answered is of no use; do not leave it behind.
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
		return fmt.Errorf("%w; %s ends with:\n%s", err, logPath, logTail(logPath, 20))
	}
	return nil
}

// waitAdmin polls the admin API until it answers, Caddy exits (exited is
// closed, then waitErr tells why), the start timeout passes or ctx is done.
func (c *Caddy) waitAdmin(ctx context.Context, exited <-chan struct{}, waitErr func() error) error {
	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if c.answers(ctx) {
			return nil
		}
		select {
		case <-exited:
			// It may have lost the port to a Caddy started by someone else.
			if c.answers(ctx) {
				return nil
			}
			return fmt.Errorf("caddy exited before its admin api answered: %v", waitErr())
		case <-deadline.C:
			return fmt.Errorf("admin api not answering after %s", startTimeout)
		case <-ctx.Done():
			return fmt.Errorf("waiting for the admin api: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// adminConfig is the admin section bake gives Caddy: loopback only, with
// every change autosaved so that --resume restores it.
func (c *Caddy) adminConfig() map[string]any {
	return map[string]any{
		"listen": c.Admin,
		"config": map[string]any{"persist": true},
	}
}

// pinAdmin rewrites the admin section of an existing autosave so a resumed
// Caddy listens on c.Admin and nowhere else and keeps autosaving, whatever
// was loaded before.
func (c *Caddy) pinAdmin(autosave string) error {
	data, err := os.ReadFile(autosave)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading caddy autosave: %w", err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(data, &cfg); err != nil {
		return fmt.Errorf("reading caddy autosave %q: %w", autosave, err)
	}
	if cfg == nil {
		cfg = map[string]any{}
	}
	admin, _ := cfg["admin"].(map[string]any)
	if admin == nil {
		admin = map[string]any{}
	}
	for k, v := range c.adminConfig() {
		admin[k] = v
	}
	delete(admin, "remote")
	delete(admin, "disabled")
	cfg["admin"] = admin
	return writeJSON(autosave, cfg)
}

// writeJSON replaces path with v as JSON, through a rename so Caddy never
// reads half a file.
func writeJSON(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding %q: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("writing %q: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %q: %w", path, err)
	}
	return nil
}

// writeLogLine appends one line in the shape of Caddy's JSON log.
func writeLogLine(w io.Writer, msg, admin string) error {
	line, err := json.Marshal(map[string]any{
		"level":  "info",
		"ts":     float64(time.Now().UnixNano()) / 1e9,
		"logger": "bake",
		"msg":    msg,
		"admin":  admin,
	})
	if err != nil {
		return fmt.Errorf("encoding log line: %w", err)
	}
	if _, err := w.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("writing caddy log: %w", err)
	}
	return nil
}

// logTail returns the last n lines of the log at path, for error messages.
func logTail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	defer func() { _ = f.Close() }()
	const window = 8 << 10
	if info, err := f.Stat(); err == nil && info.Size() > window {
		_, _ = f.Seek(-window, 2)
	}
	buf := make([]byte, window)
	m, _ := f.Read(buf)
	lines := strings.Split(strings.TrimRight(string(buf[:m]), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
