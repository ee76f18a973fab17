package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
)

// escape is what a hostile image would try from inside its container: reach
// a port on its own network's gateway (the host's side of the bridge; not
// with ?gateway=no), on each address of ?hosts=, and resolve ?name= through
// its DNS. Each attempt
// is one line; the last line is "contained" when none got an answer, and
// "escaped" otherwise. A refused connection is an answer: the host replied.
func escape(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	port := q.Get("port")
	var targets []string
	if gw, err := gateway(); err == nil && q.Get("gateway") != "no" {
		targets = append(targets, gw)
	}
	if h := q.Get("hosts"); h != "" {
		targets = append(targets, strings.Split(h, ",")...)
	}
	lines := make([]string, len(targets)+1)
	reached := make([]bool, len(targets)+1)
	var wg sync.WaitGroup
	for i, host := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			addr := net.JoinHostPort(host, port)
			c, err := net.DialTimeout("tcp", addr, 3*time.Second)
			switch {
			case err == nil:
				c.Close()
				lines[i], reached[i] = "tcp "+addr+": connected", true
			case errors.Is(err, syscall.ECONNREFUSED):
				lines[i], reached[i] = "tcp "+addr+": refused (the host answered)", true
			default:
				lines[i] = "tcp " + addr + ": blocked (" + err.Error() + ")"
			}
		}()
	}
	if name := q.Get("name"); name != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
			defer cancel()
			addrs, err := net.DefaultResolver.LookupHost(ctx, name)
			k := len(targets)
			if err == nil {
				lines[k], reached[k] = fmt.Sprintf("dns %s: resolved to %v", name, addrs), true
			} else {
				lines[k] = "dns " + name + ": blocked (" + err.Error() + ")"
			}
		}()
	}
	wg.Wait()
	verdict := "contained"
	for _, ok := range reached {
		if ok {
			verdict = "escaped"
		}
	}
	for _, l := range lines {
		if l != "" {
			fmt.Fprintln(w, l)
		}
	}
	fmt.Fprintln(w, verdict)
}

// gateway reads the default route's gateway from /proc/net/route.
func gateway() (string, error) {
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return "", err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 3 || fields[1] != "00000000" {
			continue
		}
		b, err := hex.DecodeString(fields[2])
		if err != nil || len(b) != 4 {
			continue
		}
		ip := make(net.IP, 4)
		binary.BigEndian.PutUint32(ip, binary.LittleEndian.Uint32(b))
		return ip.String(), nil
	}
	return "", errors.New("no default route")
}
