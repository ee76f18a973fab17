package sandbox

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/steps"
)

// stepStartService runs the image as a service on a network of its own with
// no route out, its port published on 127.0.0.1 for the http and tcp checks;
// Cleanup removes the container and the network.
type stepStartService struct {
	run         *run
	containerID string
	networkID   string
	name        string
}

func (st *stepStartService) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	s, subj := st.run.sandbox, st.run.subject
	port := subj.Image.Port
	for _, c := range subj.Image.Checks {
		switch {
		case port != 0:
		case c.HTTP != nil:
			port = c.HTTP.Port
		case c.TCP != nil:
			port = c.TCP.Port
		}
	}
	st.name = "bake-sandbox-" + subj.names(s.Project, s.Operation)
	labels := engine.Labels(s.Operation, engine.KindSandbox, map[string]string{
		engine.LabelProject: s.Project, engine.LabelImage: subj.Image.Name, engine.LabelVersion: subj.Version,
	})
	netID, err := engine.CreateSandboxNetwork(ctx, s.Engine, st.name, labels)
	if err != nil {
		return steps.Halt(state, fmt.Errorf("starting sandbox for %s@%s: %w", subj.Image.Name, subj.Version, err))
	}
	st.networkID = netID
	id, hostPort, err := engine.StartService(ctx, s.Engine, engine.Service{
		Name: st.name, Image: subj.Ref, Port: port, Network: st.name, Labels: labels,
		Isolated: true, Writable: !subj.Image.Sandbox.ReadOnly,
	})
	if err != nil {
		return steps.Halt(state, fmt.Errorf("starting sandbox for %s@%s: %w", subj.Image.Name, subj.Version, err))
	}
	st.containerID = id
	st.run.hostPort = map[int]int{port: hostPort}
	return multistep.ActionContinue
}

func (st *stepStartService) Cleanup(multistep.StateBag) {
	s := st.run.sandbox
	if st.networkID != "" && !st.kept() {
		defer func() {
			if err := engine.RemoveNetwork(context.Background(), s.Engine, st.networkID); err != nil && s.Progress != nil {
				fmt.Fprintf(s.Progress, "warning: %v; run `docker network rm %s`\n", err, st.name)
			}
		}()
	}
	if st.containerID == "" {
		return
	}
	if st.kept() {
		port := 0
		for _, p := range st.run.hostPort {
			port = p
		}
		fmt.Fprintf(s.Progress, "kept the failed sandbox %s, serving on http://127.0.0.1:%d\n"+
			"  look inside: docker logs %s; docker exec -it %s sh (if the image has a shell)\n"+
			"  remove it:   docker rm -f %s; docker network rm %s   or   bake sweep --operation %s\n",
			st.name, port, st.name, st.name, st.name, st.name, s.Operation)
		return
	}
	if err := engine.Remove(context.Background(), st.run.sandbox.Engine, st.containerID); err != nil && st.run.sandbox.Progress != nil {
		fmt.Fprintf(st.run.sandbox.Progress, "warning: %v; run `docker rm -f %s`\n", err, st.containerID)
	}
}

// kept reports whether a failed sandbox stays for debugging.
func (st *stepStartService) kept() bool {
	s := st.run.sandbox
	return s.KeepOnFailure && st.containerID != "" && !Passed(st.run.list) && s.Progress != nil
}
