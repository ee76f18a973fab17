package config

import (
	"github.com/bakehq/bake/internal/yamlerr"
)

// decoder walks the YAML nodes of one bake.yaml and collects every problem it finds.
type decoder struct {
	*yamlerr.Decoder
	dir string // absolute directory that relative paths resolve against
	// project is the project's name, once decoded: asg targets derive their
	// group names from it.
	projectName string
	// kube holds the namespaces and Services kubernetes targets take.
	kube kubernetesUse
	ecs  ecsUse // the service prefixes ecs targets take in each cluster
}

// The YAML reading that bake.yaml shares with the other loaders.
type (
	entry   = yamlerr.Entry
	section = yamlerr.Section
)

// The key paths and node descriptions of messages, shared with other loaders.
var (
	resolve  = yamlerr.Resolve
	isNull   = yamlerr.IsNull
	describe = yamlerr.Describe
	join     = yamlerr.Join
	index    = yamlerr.Index
	suggest  = yamlerr.Suggest
)
