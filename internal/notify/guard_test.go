package notify

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRefusal(t *testing.T) {
	none, loop, private, all := Allow{}, Allow{Loopback: true}, Allow{Private: true}, Allow{Loopback: true, Private: true}
	tests := []struct {
		ip      string
		allow   Allow
		plain   bool
		refused bool
	}{
		{"93.184.215.14", none, false, false},
		{"2606:2800:21f:cb07::1", none, false, false},
		{"127.0.0.1", none, false, true},
		{"127.0.0.1", loop, false, false},
		{"127.0.0.1", loop, true, false},
		{"::1", loop, true, false},
		{"::ffff:127.0.0.1", none, false, true},
		{"10.0.0.1", none, false, true},
		{"10.0.0.1", private, false, false},
		{"10.0.0.1", all, true, true}, // plain http to a private address
		{"172.16.5.4", none, false, true},
		{"192.168.1.1", none, false, true},
		{"100.64.0.1", none, false, true},
		{"fd12::1", none, false, true},
		{"fd12::1", private, false, false},
		{"169.254.169.254", all, false, true},
		{"::ffff:169.254.169.254", all, false, true},
		{"fe80::1", all, false, true},
		{"fd00:ec2::254", all, false, true},
		{"100.100.100.200", all, false, true},
		{"0.0.0.0", all, false, true},
		{"224.0.0.1", all, false, true},
		{"93.184.215.14", all, true, true}, // plain http to a public address
	}
	for _, tt := range tests {
		why := tt.allow.refusal(netip.MustParseAddr(tt.ip), tt.plain)
		assert.Equal(t, tt.refused, why != "", "%s %+v plain=%v: %q", tt.ip, tt.allow, tt.plain, why)
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url   string
		allow Allow
		err   string
	}{
		{"https://hooks.example.com/bake", Allow{}, ""},
		{"https://10.1.2.3/bake", Allow{Private: true}, ""},
		{"http://127.0.0.1:8080/bake", Allow{Loopback: true}, ""},
		{"http://localhost:8080/bake", Allow{Loopback: true}, ""},
		{"http://hooks.example.com/bake", Allow{Loopback: true, Private: true}, "use https"},
		{"http://10.1.2.3/bake", Allow{Loopback: true, Private: true}, "use https"},
		{"http://127.0.0.1:8080/bake", Allow{}, "use https"},
		{"https://127.0.0.1:8443/bake", Allow{}, "127.0.0.1 is a loopback address"},
		{"https://10.1.2.3/bake", Allow{}, "10.1.2.3 is a private address"},
		{"https://169.254.169.254/latest/meta-data/", Allow{Loopback: true, Private: true}, "link-local or cloud metadata"},
		{"https://[fd00:ec2::254]/", Allow{Loopback: true, Private: true}, "link-local or cloud metadata"},
		{"hooks.example.com/bake", Allow{}, "not an http or https URL"},
	}
	for _, tt := range tests {
		err := CheckURL(tt.url, tt.allow)
		if tt.err == "" {
			assert.NoError(t, err, tt.url)
		} else if assert.Error(t, err, tt.url) {
			assert.Contains(t, err.Error(), tt.err, tt.url)
		}
	}
}

// TestDialRefusesBeforeConnecting: the address check runs on the address
// dialled, after DNS, before any packet leaves; the error says so at once.
func TestDialRefusesBeforeConnecting(t *testing.T) {
	client := newClient(Allow{}, false)
	for _, url := range []string{"https://10.0.0.1/hook", "https://169.254.169.254/latest/meta-data/", "https://[fd00:ec2::254]/"} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
		require.NoError(t, err)
		start := time.Now()
		_, err = client.Do(req)
		cancel()
		require.ErrorIs(t, err, ErrAddressRefused, url)
		assert.Less(t, time.Since(start), 4*time.Second, "%s: refused without waiting on a connection (5 s)", url)
	}
}

// TestNameResolvingToRefusedAddress: a host name is judged by the address
// it resolves to when bake connects, so a name pointing at an internal
// address (or re-pointed there after a check) reaches nothing.
func TestNameResolvingToRefusedAddress(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)

	ws := &warnings{}
	opts := fast(ws)
	opts.Allow = Allow{}
	w := New("https://localhost:"+port+"/hook", opts) // a name: CheckURL cannot tell where it goes
	w.Send(Event{Type: ReleaseRecorded, ID: "d-1"})
	require.NoError(t, closeWithin(t, w, 5*time.Second))
	lines := ws.all()
	require.Len(t, lines, 1)
	assert.Contains(t, lines[0], "address refused")
	assert.Contains(t, lines[0], "is a loopback address")
	assert.Contains(t, lines[0], "refused, not retried")
	assert.Zero(t, accepted.Load(), "connections that reached the listener")
}

func TestRefusedURLSendsNothing(t *testing.T) {
	for _, url := range []string{"https://10.0.0.1/hook", "https://169.254.169.254/latest/meta-data/", "http://hooks.example.com/bake"} {
		ws := &warnings{}
		opts := fast(ws)
		opts.Allow = Allow{Loopback: true}
		w := New(url, opts)
		w.Send(Event{Type: ReleaseRecorded})
		require.NoError(t, closeWithin(t, w, 5*time.Second))
		lines := ws.all()
		require.Len(t, lines, 1, url)
		assert.Regexp(t, "address refused|use https", lines[0])
	}
}

// TestRedirectIsNotFollowed: a receiver that redirects elsewhere has its
// redirect taken as a refusal; the other address gets nothing.
func TestRedirectIsNotFollowed(t *testing.T) {
	elsewhere := newReceiver(t, func(int, http.ResponseWriter, *http.Request) {})
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/admin", http.StatusTemporaryRedirect)
	})
	ws := &warnings{}
	w := New(rc.URL+"/hook", fast(ws))
	w.Send(Event{Type: PromotionSucceeded, ID: "d-3"})
	require.NoError(t, closeWithin(t, w, 5*time.Second))
	lines := ws.all()
	require.Len(t, lines, 1)
	assert.Contains(t, lines[0], "got 307")
	assert.Contains(t, lines[0], "a redirect (not followed")
	assert.Len(t, rc.deliveries(), 1, "a redirect is not retried")
	assert.Empty(t, elsewhere.deliveries(), "requests that reached the redirect's target")
}
