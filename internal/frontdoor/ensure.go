package frontdoor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gofrs/flock"
)

// Files of the shared Caddy an earlier bake ran for the whole state dir.
const (
	legacyLockFileName = "caddy.lock"
	legacyPIDFileName  = "caddy.pid"
	legacyAutosave     = "config/caddy/autosave.json"
	legacySlotsDirName = "upstreams"
)

// Ensure brings every door of the state dir back: a door whose Caddy is
// not running (after a reboot or a crash) gets it started again with the
// upstreams it had. Routes of the shared Caddy an earlier bake started for
// this state dir first move to doors of their own (see moveShared). A door
// that cannot start is left as it is, its log says why, and the next
// SetUpstreams of its route reports it.
func (c *Caddy) Ensure(ctx context.Context) error {
	dir, err := c.stateDir()
	if err != nil {
		return fmt.Errorf("ensuring the front doors: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, doorsDirName), 0o700); err != nil {
		return fmt.Errorf("ensuring the front doors: %w", err)
	}
	if err := c.moveShared(ctx, dir); err != nil {
		return fmt.Errorf("moving the routes of the shared caddy to front doors of their own: %w", err)
	}
	entries, err := os.ReadDir(filepath.Join(dir, doorsDirName))
	if err != nil {
		return fmt.Errorf("ensuring the front doors: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		d := door{dir: filepath.Join(dir, doorsDirName, e.Name())}
		if _, err := readDoor(d); err != nil || running(ctx, d) != 0 {
			continue
		}
		c.resume(ctx, d)
	}
	return nil
}

// resume starts the Caddy of door d again, unless another bake did.
func (c *Caddy) resume(ctx context.Context, d door) {
	unlock, err := c.lock(ctx, d)
	if err != nil {
		return
	}
	defer unlock()
	f, err := readDoor(d)
	if err != nil || running(ctx, d) != 0 {
		return
	}
	err = stop(ctx, d)
	if err == nil {
		err = c.start(ctx, d, f, false)
	}
	if err != nil {
		if log, lerr := os.OpenFile(d.path(logFileName), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); lerr == nil {
			_, _ = fmt.Fprintf(log, "bake: not resumed: %v\n", err)
			_ = log.Close()
		}
	}
}

// moveShared moves the routes of the shared Caddy an earlier bake ran (all
// routes of the state dir in one process, admin API on TCP) to doors of
// their own: each door starts with the route's upstreams, sharing the
// listen address while both run (Caddy binds with SO_REUSEPORT), then the
// shared Caddy is stopped, gracefully: requests in flight finish, and its
// idle kept-alive connections close once. Its autosave is kept, renamed,
// so it resumes nothing.
func (c *Caddy) moveShared(ctx context.Context, dir string) error {
	autosave := filepath.Join(dir, legacyAutosave)
	if _, err := os.Stat(autosave); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	lock := flock.New(filepath.Join(dir, legacyLockFileName))
	lockCtx, cancel := context.WithTimeout(ctx, lockTimeout)
	defer cancel()
	if locked, err := lock.TryLockContext(lockCtx, 50*time.Millisecond); err != nil || !locked {
		return fmt.Errorf("waiting for %q: %w", lock.Path(), errors.Join(err, lockCtx.Err()))
	}
	defer func() { _ = lock.Unlock() }()

	data, err := os.ReadFile(autosave)
	if errors.Is(err, os.ErrNotExist) {
		return nil // another bake moved them meanwhile
	}
	if err != nil {
		return err
	}
	pid := sharedPID(dir)
	var failed []error
	for _, r := range sharedRoutes(data) {
		if err := c.moveRoute(ctx, r, pid != 0); err != nil {
			failed = append(failed, fmt.Errorf("route %q: %w", r.ID, err))
		}
	}
	if pid != 0 {
		// The shared Caddy keeps serving what could not move.
		if err := errors.Join(failed...); err != nil {
			return fmt.Errorf("%w; the shared caddy (pid %d) keeps serving", err, pid)
		}
		if err := stopShared(ctx, pid); err != nil {
			return err
		}
	}
	return os.Rename(autosave, autosave+".moved")
}

// moveRoute starts a door for r unless it has one; shared says the shared
// Caddy still serves r's address.
func (c *Caddy) moveRoute(ctx context.Context, r sharedRoute, shared bool) error {
	d, err := c.door(r.ID)
	if err != nil {
		return err
	}
	unlock, err := c.lock(ctx, d)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := readDoor(d); err == nil {
		return nil
	}
	return c.create(ctx, d, doorFile{ID: r.ID, Listen: r.Listen}, Split{Stable: r.Upstreams}, shared)
}

// sharedRoute is a route of the shared Caddy.
type sharedRoute struct {
	ID, Listen string
	Upstreams  []string
}

// sharedRoutes reads the routes an earlier bake wrote into the shared
// Caddy's config: one server per route, one reverse proxy, its dial
// addresses upstreams or {file.*} placeholders of upstream files. Anything
// else is not bake's and stays behind.
func sharedRoutes(autosave []byte) []sharedRoute {
	var cfg struct {
		Apps struct {
			HTTP struct {
				Servers map[string]struct {
					Listen []string `json:"listen"`
					Routes []struct {
						Handle []struct {
							Upstreams []upstream `json:"upstreams"`
						} `json:"handle"`
					} `json:"routes"`
				} `json:"servers"`
			} `json:"http"`
		} `json:"apps"`
	}
	if json.Unmarshal(autosave, &cfg) != nil {
		return nil
	}
	var out []sharedRoute
	for id, srv := range cfg.Apps.HTTP.Servers {
		if checkID(id) != nil || len(srv.Listen) != 1 || checkLoopback(srv.Listen[0]) != nil ||
			len(srv.Routes) != 1 || len(srv.Routes[0].Handle) != 1 {
			continue
		}
		r := sharedRoute{ID: id, Listen: srv.Listen[0]}
		for _, u := range srv.Routes[0].Handle[0].Upstreams {
			addr := u.Dial
			if path, ok := strings.CutPrefix(addr, "{file."); ok {
				data, err := os.ReadFile(strings.TrimSuffix(path, "}"))
				if err != nil {
					break
				}
				addr = strings.TrimSpace(string(data))
			}
			if checkLoopback(addr) != nil {
				r.Upstreams = nil
				break
			}
			r.Upstreams = append(r.Upstreams, addr)
		}
		if len(r.Upstreams) > 0 {
			out = append(out, r)
		}
	}
	return out
}

// sharedPID returns the pid of the shared Caddy of dir if it runs: a
// process of this user whose command line names dir's pid file.
func sharedPID(dir string) int {
	pidFile := filepath.Join(dir, legacyPIDFileName)
	data, err := os.ReadFile(pidFile)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || !ownProcess(pid, "\x00"+pidFile) {
		return 0
	}
	return pid
}

// stopShared stops the shared Caddy gracefully (SIGTERM), then for good.
func stopShared(ctx context.Context, pid int) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stopping the shared caddy %d: %w", pid, err)
	}
	deadline := time.Now().Add(stopTimeout)
	for alive(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			deadline = time.Now().Add(stopTimeout)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopping the shared caddy %d: %w", pid, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}
