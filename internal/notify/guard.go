package notify

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Allow names the addresses a webhook may reach besides public ones. A
// webhook URL comes from bake.yaml or the environment, which a pull request
// or a CI job may set: left open, it would let them make bake POST from
// inside the network, to the cloud metadata service or an admin API.
type Allow struct {
	// Loopback allows 127.0.0.0/8 and ::1, and plain http:// to them only:
	// a receiver on the same machine, as tests run one.
	Loopback bool
	// Private allows 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16,
	// 100.64.0.0/10 and fc00::/7: a receiver inside the network.
	Private bool
}

// ErrAddressRefused means a webhook was about to connect to an address it
// may not reach; nothing was sent.
var ErrAddressRefused = errors.New("address refused")

var (
	shared = netip.MustParsePrefix("100.64.0.0/10")
	// Metadata services some clouds put inside private ranges; link-local
	// ones (169.254.169.254, fe80::/10) are refused as link-local.
	metadata = []netip.Prefix{
		netip.MustParsePrefix("fd00:ec2::254/128"),  // Amazon EC2 over IPv6
		netip.MustParsePrefix("100.100.100.200/32"), // Alibaba Cloud
	}
)

// refusal says why ip may not be reached, or "" when it may. plain is a
// request over http://, which goes to loopback only.
func (a Allow) refusal(ip netip.Addr, plain bool) string {
	ip = ip.Unmap()
	switch {
	case ip.IsLoopback():
		if !a.Loopback {
			return "a loopback address (notify.allow: [loopback] allows it, for tests)"
		}
		return ""
	case plain:
		return "not loopback, and plain http goes to loopback only: use https"
	case ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || inAny(ip, metadata):
		return "a link-local or cloud metadata address, never allowed"
	case ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast():
		return "not a unicast address"
	case ip.IsPrivate() || shared.Contains(ip):
		if !a.Private {
			return "a private address (notify.allow: [private] allows it)"
		}
	}
	return ""
}

func inAny(ip netip.Addr, prefixes []netip.Prefix) bool {
	for _, p := range prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// CheckURL says whether raw may be a webhook URL under a: https, or http to
// a loopback host when loopback is allowed, and no literal address a refuses.
// A host name is checked again on every connection, against the address it
// resolved to, so a name that later resolves elsewhere gains nothing. Its
// errors read after the URL: "URL": not an http or https URL.
func CheckURL(raw string, a Allow) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("not an http or https URL")
	}
	host := u.Hostname()
	ip, perr := netip.ParseAddr(host)
	isIP, plain := perr == nil, u.Scheme == "http"
	if plain && !(a.Loopback && (strings.EqualFold(host, "localhost") || isIP && ip.Unmap().IsLoopback())) {
		return errors.New("use https; plain http goes only to a receiver on loopback, with notify.allow: [loopback]")
	}
	if isIP {
		if why := a.refusal(ip, plain); why != "" {
			return fmt.Errorf("%w: %s is %s", ErrAddressRefused, host, why)
		}
	}
	return nil
}

// newClient is the only client a webhook posts with: it connects to an
// address a allows, checked on the address dialled (after DNS), never
// follows a redirect and uses no proxy, whose own connections bake could
// not check.
func newClient(a Allow, plain bool) *http.Client {
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s: %v", ErrAddressRefused, address, err)
			}
			if why := a.refusal(ap.Addr(), plain); why != "" {
				return fmt.Errorf("%w: %s is %s", ErrAddressRefused, ap.Addr(), why)
			}
			return nil
		}}
	return &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{Proxy: nil, DialContext: d.DialContext, ForceAttemptHTTP2: true,
			MaxIdleConns: 4, IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: 10 * time.Second},
	}
}
