package promote

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/bakehq/bake/internal/ledger"
)

// Holder is who holds an environment's lock: the user, the host and pid of
// the bake process, its operation id, and what it does there. It is the
// lock's holder string and the Reason of a started deployment record, so a
// later bake can tell whether that process still runs.
type Holder struct {
	User      string
	Host      string
	PID       int
	Operation string // "" in holders written before operations were named
	What      string // "promote hello@1.1.0", "rollback hello@1.0.0", "recover dev", "gc"
}

func (h Holder) String() string {
	return fmt.Sprintf("%s on %s (pid %d, operation %s, %s)", h.User, h.Host, h.PID, h.Operation, h.What)
}

// holderPattern reads Holder.String and the older "USER on HOST (pid N, WHAT)".
var holderPattern = regexp.MustCompile(`^(.*) on (\S+) \(pid (\d+)(?:, operation ([0-9A-Za-z_-]+))?, (.+)\)$`)

// ParseHolder reads a lock holder written by bake; false if s is not one.
func ParseHolder(s string) (Holder, bool) {
	m := holderPattern.FindStringSubmatch(s)
	if m == nil {
		return Holder{}, false
	}
	pid, err := strconv.Atoi(m[3])
	if err != nil {
		return Holder{}, false
	}
	return Holder{User: m[1], Host: m[2], PID: pid, Operation: m[4], What: m[5]}, true
}

// Deployment returns the kind, image and version of the promote or
// rollback the holder runs; false for anything else (gc, recover).
func (h Holder) Deployment() (kind, image, version string, ok bool) {
	kind, ref, found := strings.Cut(h.What, " ")
	if !found || (kind != ledger.KindPromote && !ledger.IsRollback(kind)) {
		return "", "", "", false
	}
	image, version, found = strings.Cut(ref, "@")
	if !found || image == "" || version == "" {
		return "", "", "", false
	}
	return kind, image, version, true
}

// newHolder names this process as doing what.
func newHolder(user, operation, what string) Holder {
	host, _ := os.Hostname()
	return Holder{User: user, Host: host, PID: os.Getpid(), Operation: operation, What: what}
}

// Gone reports whether the holder of l has stopped without releasing it.
// On this host that is decided by its process: gone when no process has
// its pid, or the one that has is a zombie or started after the lock was
// taken (the pid was reused); a running holder is never gone, even past
// the lock's expiry. A holder on another host is gone once the lock
// expired.
func Gone(l ledger.Lock, now time.Time) bool {
	h, ok := ParseHolder(l.Holder)
	host, _ := os.Hostname()
	if !ok || h.Host != host || host == "" {
		return !now.Before(l.Expires)
	}
	return !processRuns(h.PID, l.Since)
}

// processRuns reports whether pid names a live process that started no
// later than since.
func processRuns(pid int, since time.Time) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	state, started, ok := procStat(pid)
	if !ok {
		return true // no /proc to ask: the pid exists, so assume it is the holder
	}
	if state == "Z" {
		return false
	}
	// /proc gives the start in clock ticks since boot, to a second or so.
	return started.IsZero() || !started.After(since.Add(2*time.Second))
}

// procStat reads a process's state and start time from /proc.
func procStat(pid int) (state string, started time.Time, ok bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", time.Time{}, false
	}
	// The command name (field 2) may hold spaces and parentheses: fields
	// after it start past the last ')'.
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 20 {
		return "", time.Time{}, false
	}
	state = fields[0]
	ticks, err := strconv.ParseInt(fields[19], 10, 64) // field 22: starttime
	if err != nil {
		return state, time.Time{}, true
	}
	boot, ok := bootTime()
	if !ok {
		return state, time.Time{}, true
	}
	const clockTicks = 100 // USER_HZ, 100 on every Linux architecture Go supports
	return state, boot.Add(time.Duration(ticks) * time.Second / clockTicks), true
}

// bootTime reads when the machine booted from /proc/stat.
func bootTime() (time.Time, bool) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "btime "); ok {
			secs, err := strconv.ParseInt(strings.TrimSpace(rest), 10, 64)
			if err != nil {
				return time.Time{}, false
			}
			return time.Unix(secs, 0), true
		}
	}
	return time.Time{}, false
}
