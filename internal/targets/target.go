package targets

import (
	"errors"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/kubex"
	"github.com/bakehq/bake/internal/ledger"
)

// ErrUnhealthy means the new replicas never became healthy; traffic did not move.
var ErrUnhealthy = errors.New("new replicas did not become healthy")

// ErrUnreachable means the place a target runs releases (a cluster's API
// server) did not answer: nothing was changed or recorded.
// It is kubex's, so that every failed read of a cluster says it too.
var ErrUnreachable = kubex.ErrUnreachable

// Request is one deployment of a release to an environment.
type Request struct {
	Env     string
	Image   *config.Image
	Target  *config.Target
	Release ledger.Release // what to run, by digest
	// Keep is what happens to the replaced release's replicas:
	// config.KeepWarm, config.KeepStopped or config.KeepRemoved.
	Keep string
	// Releases is how many earlier releases the environment keeps for
	// rollback besides the one it runs (its retention.releases; 0 for the
	// default): the asg target keeps that many groups, scaled to zero.
	Releases int
}

// Replica is one running container of a release.
type Replica struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Version  string `json:"version"`
	Digest   string `json:"digest"`
	Running  bool   `json:"running"`
	Upstream string `json:"upstream,omitempty"` // 127.0.0.1:PORT
	// Operation is the bake run that created the replica.
	Operation string `json:"-"`
}
