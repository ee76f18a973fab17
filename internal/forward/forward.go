// Package forward publishes a sandboxed service on 127.0.0.1 while the
// service itself sits on a network with no gateway. Docker publishes no port
// of a container whose only network is internal, so a forwarder container
// (bake's own binary, running `bake forward`) joins both that network and a
// bridge that publishes its port on 127.0.0.1, and copies each connection
// to the service.
package forward

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Port is the port the forwarder listens on inside its container.
const Port = 8000

// dialTimeout bounds one connection to the service: on a network with no
// gateway an unknown address times out rather than being refused.
const dialTimeout = 5 * time.Second

// Serve accepts connections on listen and copies each to and from target
// until ctx ends. A connection the service refuses is closed at once, so a
// probe sees the service as not (yet) up, as it would through a published port.
func Serve(ctx context.Context, listen, target string) error {
	if _, _, err := net.SplitHostPort(target); err != nil {
		return fmt.Errorf("forwarding to %q: want HOST:PORT", target)
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", listen)
	if err != nil {
		return fmt.Errorf("forwarding from %s: %w", listen, err)
	}
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("forwarding from %s: %w", listen, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			pipe(ctx, conn, target)
		}()
	}
}

// pipe copies between conn and a new connection to target, each way until
// that side closes, and closes both.
func pipe(ctx context.Context, conn net.Conn, target string) {
	defer conn.Close()
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	up, err := (&net.Dialer{}).DialContext(dctx, "tcp", target)
	cancel()
	if err != nil {
		return
	}
	defer up.Close()
	done := make(chan struct{}, 2)
	half := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go half(up, conn)
	go half(conn, up)
	select {
	case <-done:
		<-done
	case <-ctx.Done():
	}
}
