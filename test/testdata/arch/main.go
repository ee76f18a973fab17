// Command arch is the RUN step of the multi-platform build test: it writes
// the architecture it was compiled for and the machine the kernel reports
// (aarch64 under qemu-user emulation) into the file its argument names, so
// the test reads in each platform's image that the step ran as that platform.
package main

import (
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: arch FILE")
		os.Exit(2)
	}
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		fmt.Fprintln(os.Stderr, "arch: uname:", err)
		os.Exit(1)
	}
	line := runtime.GOARCH + " " + unix.ByteSliceToString(u.Machine[:]) + "\n"
	if err := os.WriteFile(os.Args[1], []byte(line), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "arch:", err)
		os.Exit(1)
	}
}
