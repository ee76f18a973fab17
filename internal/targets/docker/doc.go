// Package docker is the docker target type: each release runs as replica
// containers on the local Docker engine behind a Caddy front door.
// Blue/green starts the new replicas, proves each healthy, and switches the
// front door to them in one step; rolling replaces the replicas in traffic
// one at a time. The replaced release's replicas are then kept warm,
// stopped or removed as the environment's retention says, after the
// requests in flight to them have finished. It registers itself as
// config.TargetDocker.
package docker
