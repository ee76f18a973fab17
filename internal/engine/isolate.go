package engine

import "github.com/moby/moby/api/types/container"

// Limits of a sandbox container: enough for a service's checks, not enough
// for a runaway image to hurt the machine.
const (
	SandboxMemory = 512 << 20 // bytes
	SandboxCPUs   = 1         // whole CPUs
	SandboxPids   = 512
)

// Log limits of every container bake runs: an image that writes without
// end fills neither the engine's disk nor `docker logs`.
const (
	LogMaxSize  = "10m"
	LogMaxFiles = "3"
)

// Isolate restricts a throwaway container: Harden's restrictions, and
// memory, CPU and process limits.
func Isolate(h *container.HostConfig, readOnly bool) {
	Harden(h, readOnly)
	h.Memory = SandboxMemory
	h.NanoCPUs = SandboxCPUs * 1e9
	pids := int64(SandboxPids)
	h.PidsLimit = &pids
}

// Harden restricts a container as far as an image that passed its sandbox
// can run with: a read-only root filesystem unless the image must write
// (always with a private /tmp), no new privileges, no capabilities, and
// capped logs. The image's own user is kept, so a check can tell whether it
// runs as root. User namespaces are not used: the engine maps them for
// every container or none (dockerd's userns-remap), so bake cannot turn
// them on for its own containers alone.
func Harden(h *container.HostConfig, readOnly bool) {
	h.ReadonlyRootfs = readOnly
	h.Tmpfs = map[string]string{"/tmp": "rw,nosuid,nodev,size=64m"}
	h.SecurityOpt = append(h.SecurityOpt, "no-new-privileges")
	h.CapDrop = []string{"ALL"}
	CapLogs(h)
}

// CapLogs keeps at most LogMaxFiles json-file logs of LogMaxSize each.
func CapLogs(h *container.HostConfig) {
	h.LogConfig = container.LogConfig{Type: "json-file", Config: map[string]string{"max-size": LogMaxSize, "max-file": LogMaxFiles}}
}
