package frontdoor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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
	if err := os.MkdirAll(dir, 0o700); err != nil {
		reason := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			reason = fmt.Sprintf("%s: %v", pe.Path, pe.Err)
		}
		return "", fmt.Errorf("%w %s (%s): set BAKE_STATE_DIR to a directory bake may write", ErrStateDir, dir, reason)
	}
	return dir, nil
}

// ErrStateDir means the front doors' state directory cannot be made: the
// environment's setting, bad input rather than a failed operation.
var ErrStateDir = errors.New("cannot create the front doors' state directory")

// door returns the door of route id (which need not exist).
// DoorDir is the directory of route id's door: its Caddy's config, upstream
// banks, log and admin socket. bake names it when it starts the door, so a
// person knows where to look.
func (c *Caddy) DoorDir(id string) (string, error) {
	d, err := c.door(id)
	return d.dir, err
}

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
