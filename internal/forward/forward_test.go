package forward

import (
	"context"
	"debug/elf"
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/loopback"
)

func TestServeCopiesBothWays(t *testing.T) {
	backend, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer backend.Close()
	go func() {
		for {
			c, err := backend.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				b, _ := io.ReadAll(c)
				fmt.Fprintf(c, "got %s", b)
			}()
		}
	}()
	port, err := loopback.FreePort()
	require.NoError(t, err)
	listen := fmt.Sprintf("127.0.0.1:%d", port)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, listen, backend.Addr().String()) }()

	var conn net.Conn
	require.Eventually(t, func() bool { conn, err = net.Dial("tcp", listen); return err == nil }, 5*time.Second, 20*time.Millisecond)
	_, err = conn.Write([]byte("ping"))
	require.NoError(t, err)
	require.NoError(t, conn.(*net.TCPConn).CloseWrite())
	reply, err := io.ReadAll(conn)
	require.NoError(t, err)
	assert.Equal(t, "got ping", string(reply))
	conn.Close()

	cancel()
	select {
	case err := <-served:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
}

func TestServeRefusesABadTarget(t *testing.T) {
	assert.EqualError(t, Serve(context.Background(), "127.0.0.1:0", "nowhere"), `forwarding to "nowhere": want HOST:PORT`)
}

func TestContentsHoldTheBinaryAndWhatItLoads(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	files, err := contents(exe)
	require.NoError(t, err)
	assert.Equal(t, exe, files["/bake"])
	f, err := elf.Open(exe)
	require.NoError(t, err)
	defer f.Close()
	libs, err := f.ImportedLibraries()
	require.NoError(t, err)
	for _, lib := range libs {
		assert.Contains(t, files, "/lib/"+lib, "a binary built with cgo brings its libraries")
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			assert.Len(t, files, len(libs)+2, "the binary, its loader and its libraries")
		}
	}
}
