package frontdoor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gofrs/flock"
)

const (
	// startTimeout bounds how long a freshly started Caddy may take to answer.
	startTimeout = 15 * time.Second
	// stopTimeout bounds the wait for a door's Caddy to exit.
	stopTimeout = 10 * time.Second
	// lockTimeout bounds the wait for another bake changing the same door.
	lockTimeout = startTimeout + stopTimeout + 15*time.Second

	// startMessage is the log line written before each start of a door's Caddy.
	startMessage = "starting caddy"

	doorsDirName        = "doors"
	doorFileName        = "door.json"
	configFileName      = "caddy.json"
	socketFileName      = "admin.sock"
	logFileName         = "caddy.log"
	pidFileName         = "caddy.pid"
	startRecordFileName = "caddy.started.json"

	// maxSocketPath is the longest unix socket path Linux accepts.
	maxSocketPath = 107
)

// door is the directory of one route's Caddy:
// <StateDir>/doors/<hash of the route id>/.
type door struct {
	dir string
}

// doorFile is what a door's directory says about it.
type doorFile struct {
	ID     string `json:"id"`
	Listen string `json:"listen"`
}

// startRecord is what bake writes when it starts a door's Caddy: the only
// process whose admin answers it accepts.
type startRecord struct {
	Binary  string `json:"binary"`
	Version string `json:"version"`
	PID     int    `json:"pid"`
}

func (d door) path(name string) string { return filepath.Join(d.dir, name) }
func (d door) socket() string          { return d.path(socketFileName) }

// stateDir returns the absolute state directory, refusing one that cannot
// appear inside a Caddy placeholder.
func (c *Caddy) stateDir() (string, error) {
	if c.StateDir == "" {
		return "", errors.New("no state dir for the front doors")
	}
	dir, err := filepath.Abs(c.StateDir)
	if err != nil {
		return "", fmt.Errorf("state dir %q: %w", c.StateDir, err)
	}
	// Paths go into Caddy placeholders, where these are syntax.
	if strings.ContainsAny(dir, `{}\|`) {
		return "", fmt.Errorf("state dir %q: must not contain '{', '}', '|' or '\\'", dir)
	}
	return dir, nil
}

// door returns the door of route id (which need not exist).
func (c *Caddy) door(id string) (door, error) {
	if err := checkID(id); err != nil {
		return door{}, err
	}
	dir, err := c.stateDir()
	if err != nil {
		return door{}, err
	}
	sum := sha256.Sum256([]byte(id))
	d := door{dir: filepath.Join(dir, doorsDirName, hex.EncodeToString(sum[:8]))}
	if len(d.socket()) > maxSocketPath {
		return door{}, fmt.Errorf("state dir %q is too long for a unix socket path (%d bytes, at most %d): set XDG_STATE_HOME to a shorter directory", dir, len(d.socket()), maxSocketPath)
	}
	return d, nil
}

// lock takes the door's lock, which serialises starts, switches and removal
// of one door across bake processes. The lock file stays when the door goes.
func (c *Caddy) lock(ctx context.Context, d door) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(d.dir), 0o700); err != nil {
		return nil, fmt.Errorf("creating front door state: %w", err)
	}
	lock := flock.New(d.dir + ".lock")
	lockCtx, cancel := context.WithTimeout(ctx, lockTimeout)
	defer cancel()
	locked, err := lock.TryLockContext(lockCtx, 20*time.Millisecond)
	if err != nil || !locked {
		return nil, fmt.Errorf("waiting for %q: %w", lock.Path(), errors.Join(err, lockCtx.Err()))
	}
	return func() { _ = lock.Unlock() }, nil
}

// readDoor reads what the door's directory says; ErrNoRoute if it has none.
func readDoor(d door) (doorFile, error) {
	var f doorFile
	data, err := os.ReadFile(d.path(doorFileName))
	if errors.Is(err, os.ErrNotExist) {
		return f, ErrNoRoute
	}
	if err != nil {
		return f, fmt.Errorf("reading front door: %w", err)
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return f, fmt.Errorf("reading front door %q: %w", d.path(doorFileName), err)
	}
	return f, nil
}

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

// checkPrivate refuses a door directory that someone else could reach.
func checkPrivate(dir string) error {
	info, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !info.IsDir() || !ok || int(st.Uid) != os.Getuid() || info.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("front door directory %q must be a directory of this user with mode 0700", dir)
	}
	return nil
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
	if err := writeJSON(d.path(configFileName), doorConfig(d, f)); err != nil {
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

// writeJSON replaces path with v as JSON, through a rename so Caddy never
// reads half a file.
func writeJSON(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding %q: %w", path, err)
	}
	return writeFile(path, data)
}

// writeFile replaces path with data through a rename.
func writeFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %q: %w", path, err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("writing %q: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("writing %q: %w", path, err)
	}
	return nil
}

// writeLogLine appends one line in the shape of Caddy's JSON log.
func writeLogLine(w io.Writer, msg string, f doorFile) error {
	line, err := json.Marshal(map[string]any{
		"level":  "info",
		"ts":     float64(time.Now().UnixNano()) / 1e9,
		"logger": "bake",
		"msg":    msg,
		"route":  f.ID,
		"listen": f.Listen,
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
		_, _ = f.Seek(-window, io.SeekEnd)
	}
	buf := make([]byte, window)
	m, _ := f.Read(buf)
	lines := strings.Split(strings.TrimRight(string(buf[:m]), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
