// Package sandbox starts a new image in a throwaway container, runs its
// checks and always tears the container down.
package sandbox

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/cst"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/probe"
	"github.com/bakehq/bake/internal/steps"
)

// Sandbox runs checks against images in the local engine.
type Sandbox struct {
	Engine    *client.Client
	Project   string
	Operation string
	Progress  io.Writer // one line per check; may be nil
	// KeepOnFailure leaves the service container running when a check
	// fails, and says how to reach it and how to remove it.
	KeepOnFailure bool
}

// Subject is the image under test.
type Subject struct {
	Image   *config.Image
	Ref     string // engine image id or reference by digest
	Version string
	// Platform is the platform of a multi-platform image's Ref ("" for a
	// single platform): it names the sandbox's containers, so a failed
	// one kept for debugging leaves the next platform's its own name.
	Platform string
}

// names is what the names of the subject's containers end with.
func (s Subject) names(project, operation string) string {
	n := project + "-" + s.Image.Name + "-" + operation
	if s.Platform != "" {
		n += "-" + strings.ReplaceAll(s.Platform, "/", "-")
	}
	return n
}

// Validate runs every check of the image, then the container-structure-test
// file in its build context (checks.yaml) when it has one, and returns their
// results. A failed check is a result, not an error; the error reports a
// sandbox that could not run (engine down, cancelled) or a checks.yaml that
// is invalid (cst.ErrInvalid). Containers are removed in every case.
func (s *Sandbox) Validate(ctx context.Context, subj Subject) ([]ledger.CheckResult, error) {
	// A container-structure-test file in the build context runs after
	// bake's own checks; a bad one stops validation before anything starts.
	var suite *cst.Suite
	if subj.Image.Context != "" {
		file := filepath.Join(subj.Image.Context, cst.FileName)
		if _, err := os.Stat(file); !errors.Is(err, fs.ErrNotExist) {
			if suite, err = cst.Load(file); err != nil {
				return nil, err
			}
		}
	}
	data := probe.Data{Image: subj.Image.Name, Version: subj.Version, Vars: subj.Image.Vars}
	run := &run{sandbox: s, subject: subj, data: data, results: results{progress: s.Progress}}
	list := []multistep.Step{}
	if hasService(subj.Image) {
		list = append(list, &stepStartService{run: run}, steps.Func(run.serviceChecks))
	}
	list = append(list, steps.Func(run.userChecks), steps.Func(run.commandChecks))
	if suite != nil {
		structure := &cst.Runner{
			Engine: s.Engine, Image: subj.Ref, Data: data,
			Labels: engine.Labels(s.Operation, engine.KindSandbox, map[string]string{
				engine.LabelProject: s.Project, engine.LabelImage: subj.Image.Name, engine.LabelVersion: subj.Version,
			}),
			NamePrefix: "bake-cst-" + subj.names(s.Project, s.Operation),
			Writable:   !subj.Image.Sandbox.ReadOnly,
		}
		list = append(list, steps.Func(func(ctx context.Context) error { return structure.Run(ctx, suite, run.record) }))
	}
	err := steps.Run(ctx, list...)
	return run.list, err
}

// run is the state one validation shares between its steps.
type run struct {
	sandbox  *Sandbox
	subject  Subject
	data     probe.Data
	hostPort map[int]int // container port -> 127.0.0.1 port
	service  string      // the service container's id, once started
	gone     string      // why the service stopped, once it has
	results
}

// hasService reports whether a check needs the image running as a service.
func hasService(img *config.Image) bool {
	for _, c := range img.Checks {
		if c.HTTP != nil || c.TCP != nil {
			return true
		}
	}
	return false
}
