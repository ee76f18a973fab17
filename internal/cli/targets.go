package cli

// The target types this build of bake runs releases on: one line each
// (see package targets for how to add one).
import (
	_ "github.com/bakehq/bake/internal/targets/asg"
	_ "github.com/bakehq/bake/internal/targets/docker"
	_ "github.com/bakehq/bake/internal/targets/ecs"
	_ "github.com/bakehq/bake/internal/targets/kubernetes"
)
