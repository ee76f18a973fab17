package sandbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/moby/client"
)

// BinfmtDir is where the kernel lists the interpreters it runs foreign
// binaries with (binfmt_misc): Debian's qemu-user-static registers one
// per architecture there, and a container of that platform runs through it.
const BinfmtDir = "/proc/sys/fs/binfmt_misc"

// ErrCannotRun means the machine the engine runs on cannot run a
// platform's images: neither natively nor under emulation.
var ErrCannotRun = errors.New("cannot run on this machine")

// machineArch maps the kernel's name of a machine (the engine's
// Architecture) to the architectures it runs natively.
var machineArch = map[string][]string{
	"x86_64": {"amd64", "386"}, "aarch64": {"arm64", "arm"}, "armv7l": {"arm"},
	"i686": {"386"}, "s390x": {"s390x"}, "ppc64le": {"ppc64le"}, "riscv64": {"riscv64"},
}

// qemuName is qemu's name of an architecture, which names its binfmt_misc
// handler: qemu-aarch64 for arm64.
var qemuName = map[string]string{
	"amd64": "x86_64", "386": "i386", "arm64": "aarch64", "arm": "arm", "s390x": "s390x",
	"ppc64le": "ppc64le", "riscv64": "riscv64", "mips64le": "mips64el", "loong64": "loongarch64",
}

// HowRuns says how the engine's machine runs images of platform
// (os/arch[/variant]): "natively", or "under emulation by qemu-ARCH". An
// error wrapping ErrCannotRun says what to install.
func HowRuns(ctx context.Context, eng *client.Client, platform string) (string, error) {
	info, err := eng.Info(ctx, client.InfoOptions{})
	if err != nil {
		return "", fmt.Errorf("asking the engine which machine it runs on: %w", err)
	}
	return howRuns(BinfmtDir, info.Info.OSType, info.Info.Architecture, platform)
}

func howRuns(binfmt, machineOS, machine, platform string) (string, error) {
	parts := strings.Split(platform, "/")
	if len(parts) < 2 || parts[0] != machineOS {
		return "", fmt.Errorf("%w (an engine on %s)", ErrCannotRun, machineOS)
	}
	arch := parts[1]
	for _, a := range machineArch[machine] {
		if a == arch {
			return "natively", nil
		}
	}
	handler := "qemu-" + qemuName[arch]
	if enabled(filepath.Join(binfmt, handler)) {
		return "under emulation by " + handler, nil
	}
	return "", fmt.Errorf("%w (%s): no binfmt_misc handler %s is enabled; install qemu-user-static and run `update-binfmts --enable %s`",
		ErrCannotRun, machine, handler, handler)
}

// enabled reports whether the binfmt_misc handler file says it is enabled.
func enabled(file string) bool {
	f, err := os.Open(file)
	if err != nil {
		return false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	return s.Scan() && s.Text() == "enabled"
}
