package frontdoor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"
)

// Caddy is the set of front doors kept under one state directory: one Caddy
// process per route.
type Caddy struct {
	// StateDir holds a directory per door (its config, upstream files, admin
	// socket, log and pid) and, from an earlier bake, the shared Caddy's
	// autosave whose routes Ensure moves to doors of their own.
	StateDir string
	// Binary is the caddy executable; empty means "caddy" from PATH.
	Binary string

	// rollMB is the size at which a door's access log rolls over; 0 means
	// accessLogRollMB.
	rollMB int
	// what Served has read of each door's access log
	servedCache
}

// maxAdminBody bounds how much of an admin answer is read.
const maxAdminBody = 8 << 20

// adminTimeout bounds one admin request.
const adminTimeout = 30 * time.Second

// ErrNotOurs means the admin socket was answered by a process other than
// the Caddy bake started for the door.
var ErrNotOurs = errors.New("the admin socket is not served by the caddy bake started")

// adminClient returns a client that talks to d's admin socket and accepts
// the connection only when its peer is pid, run by this user.
func adminClient(d door, pid int) *http.Client {
	return &http.Client{
		Timeout: adminTimeout,
		Transport: &http.Transport{
			Proxy:             nil,
			DisableKeepAlives: true,
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return dialAdmin(ctx, d.socket(), pid)
			},
		},
	}
}

// dialAdmin connects to the unix socket at path and checks who serves it.
func dialAdmin(ctx context.Context, path string, pid int) (net.Conn, error) {
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, err
	}
	if err := checkPeer(conn, pid); err != nil {
		_ = conn.Close()
		return nil, err
	}
	return conn, nil
}

// checkPeer accepts a unix connection only from process pid of this user.
func checkPeer(conn net.Conn, pid int) error {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return fmt.Errorf("%w: not a unix socket", ErrNotOurs)
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return err
	}
	var cred *syscall.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return err
	}
	if credErr != nil {
		return fmt.Errorf("reading the admin socket's peer: %w", credErr)
	}
	if int(cred.Uid) != os.Getuid() || int(cred.Pid) != pid {
		return fmt.Errorf("%w: peer pid %d uid %d, want pid %d uid %d", ErrNotOurs, cred.Pid, cred.Uid, pid, os.Getuid())
	}
	return nil
}

// call sends one admin API request to the door's Caddy (pid) with in (if
// not nil) as its JSON body and decodes a JSON answer into out (if not nil).
func call(ctx context.Context, d door, pid int, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encoding caddy admin %s %q: %w", method, path, err)
		}
		body = bytes.NewReader(data)
	}
	// The host is a name only: the transport dials the socket.
	req, err := http.NewRequestWithContext(ctx, method, "http://caddy-admin"+path, body)
	if err != nil {
		return fmt.Errorf("caddy admin %s %q: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := adminClient(d, pid).Do(req)
	if err != nil {
		return fmt.Errorf("caddy admin %s %q: %w", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAdminBody))
	if err != nil {
		return fmt.Errorf("reading caddy admin %s %q: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &adminError{Method: method, Path: path, Status: resp.StatusCode, Message: adminMessage(data)}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("decoding caddy admin %s %q: %w", method, path, err)
		}
	}
	return nil
}

// adminMessage pulls the "error" field out of an admin error answer.
func adminMessage(data []byte) string {
	var answer struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(data, &answer) == nil && answer.Error != "" {
		return answer.Error
	}
	return strings.TrimSpace(string(data))
}
