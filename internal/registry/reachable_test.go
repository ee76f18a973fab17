package registry

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHost(t *testing.T) {
	for ref, want := range map[string]string{
		"127.0.0.1:5000/demo/hello:1.0.0":                 "127.0.0.1:5000",
		"127.0.0.1:5000/demo/hello@sha256:" + sixtyFour0s: "127.0.0.1:5000",
		"registry.example.com/team/web:2.0.0":             "registry.example.com",
	} {
		got, err := Host(ref)
		require.NoError(t, err, ref)
		assert.Equal(t, want, got, ref)
	}
	_, err := Host("UPPER/case:tag")
	assert.Error(t, err)
}

const sixtyFour0s = "0000000000000000000000000000000000000000000000000000000000000000"

// TestReachable connects to a listening port, then to the same port once
// nothing listens there: a registry that stopped.
func TestReachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, Reachable(context.Background(), addr))
	require.NoError(t, l.Close())

	err = Reachable(context.Background(), addr)
	require.ErrorIs(t, err, ErrUnreachable)
	var unreachable *UnreachableError
	require.True(t, errors.As(err, &unreachable))
	assert.Equal(t, addr, unreachable.Host)
	assert.Equal(t, "connection refused", unreachable.Reason)
	assert.Equal(t, "registry "+addr+" is unreachable (connection refused): start it (or correct registry: in bake.yaml) "+
		"and run the same command again", err.Error())
}
