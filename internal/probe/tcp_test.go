package probe

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serve accepts on 127.0.0.1 and hands each connection to handle.
func serve(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go handle(c)
		}
	}()
	return ln.Addr().String()
}

// A forwarder whose service refuses closes each connection at once: the
// check fails, though the connect itself succeeds.
func TestTCPClosedAtOnceIsNotAccepted(t *testing.T) {
	addr := serve(t, func(c net.Conn) { c.Close() })
	_, err := TCP(context.Background(), addr, time.Second)
	require.ErrorIs(t, err, ErrUnhealthy)
	assert.Contains(t, err.Error(), "closed at once")
}

func TestTCPHeldOrSpokenIsAccepted(t *testing.T) {
	held := serve(t, func(c net.Conn) { time.Sleep(2 * settle); c.Close() })
	_, err := TCP(context.Background(), held, time.Second)
	require.NoError(t, err)
	banner := serve(t, func(c net.Conn) { c.Write([]byte("220 ready\r\n")); c.Close() })
	_, err = TCP(context.Background(), banner, time.Second)
	require.NoError(t, err)
}
