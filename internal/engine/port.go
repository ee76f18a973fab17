package engine

import "strings"

// portAttempts bounds how often StartService picks another port when the
// one it picked was taken before the container could bind it.
//
// Containers publish their service port on a port chosen with
// loopback.FreePort rather than one the engine picks: the engine picks a
// new one at every start, so after an engine restart a replica would answer
// somewhere other than where its front door sends traffic. A port given in
// the container's config is bound again whenever the container starts.
const portAttempts = 5

// IsPortTaken reports whether the engine could not start a container
// because another container or process holds the host port it publishes on.
func IsPortTaken(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "port is already allocated") || strings.Contains(msg, "address already in use")
}
