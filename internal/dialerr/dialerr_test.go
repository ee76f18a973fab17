package dialerr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReason(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
		ok   bool
	}{
		{&net.OpError{Op: "dial", Err: fmt.Errorf("connect: %w", syscall.ECONNREFUSED)}, "connection refused", true},
		{&net.DNSError{Name: "x.invalid", IsNotFound: true}, "its name does not resolve", true},
		{fmt.Errorf("read: %w", context.DeadlineExceeded), "no answer in time", true},
		{fmt.Errorf("read: %w", io.EOF), "the connection was closed", true},
		{errors.New("tls: bad certificate"), "", false},
	} {
		got, ok := Reason(tc.err)
		assert.Equal(t, tc.want, got, tc.err.Error())
		assert.Equal(t, tc.ok, ok, tc.err.Error())
	}
}
