package engine

import "github.com/moby/moby/api/types/container"

// Limits of a sandbox container: enough for a service's checks, not enough
// for a runaway image to hurt the machine.
const (
	SandboxMemory = 512 << 20 // bytes
	SandboxCPUs   = 1         // whole CPUs
	SandboxPids   = 512
)

// Isolate restricts a throwaway container: a read-only root filesystem
// unless the image must write (always with a private /tmp), no new
// privileges, no capabilities, and memory, CPU and process limits. The
// image's own user is kept, so a check can tell whether it runs as root.
func Isolate(h *container.HostConfig, readOnly bool) {
	h.ReadonlyRootfs = readOnly
	h.Tmpfs = map[string]string{"/tmp": "rw,nosuid,nodev,size=64m"}
	h.SecurityOpt = append(h.SecurityOpt, "no-new-privileges")
	h.CapDrop = []string{"ALL"}
	h.Memory = SandboxMemory
	h.NanoCPUs = SandboxCPUs * 1e9
	pids := int64(SandboxPids)
	h.PidsLimit = &pids
}
