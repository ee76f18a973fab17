// Command runstep is the RUN step of the multi-platform build test. It
// writes what the step saw into the file its argument names: the
// architecture it was compiled for, the machine the kernel reports (aarch64
// under qemu-user emulation), and whether the host's registry on
// 127.0.0.1:5000 answers, which it must not: a build step has a network of
// its own, never the host's.
package main

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: runstep FILE")
		os.Exit(2)
	}
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		fmt.Fprintln(os.Stderr, "runstep: uname:", err)
		os.Exit(1)
	}
	registry := "host registry unreachable"
	if c, err := net.DialTimeout("tcp", "127.0.0.1:5000", 2*time.Second); err == nil {
		_ = c.Close()
		registry = "host registry reachable"
	}
	line := fmt.Sprintf("%s %s, %s\n", runtime.GOARCH, unix.ByteSliceToString(u.Machine[:]), registry)
	if err := os.WriteFile(os.Args[1], []byte(line), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "runstep:", err)
		os.Exit(1)
	}
}
