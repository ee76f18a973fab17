package sandbox

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/forward"
	"github.com/bakehq/bake/internal/steps"
)

// stepStartService runs the image as a service on an internal network of
// its own, which reaches neither the host nor anything beyond it, and
// publishes its port on 127.0.0.1 for the http and tcp checks through a
// forwarder: bake's own binary in a container on that network and on a
// bridge with no route out, the only one whose port the engine publishes.
// Cleanup removes both containers and both networks.
type stepStartService struct {
	run       *run
	name      string
	ids       []string // containers: the forwarder (when started), then the service
	networks  []string // network ids: the forwarder's bridge, then the internal one
	forwarder string
}

func (st *stepStartService) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	if err := st.start(ctx); err != nil {
		subj := st.run.subject
		return steps.Halt(state, fmt.Errorf("starting sandbox for %s@%s: %w", subj.Image.Name, subj.Version, err))
	}
	return multistep.ActionContinue
}

func (st *stepStartService) start(ctx context.Context) error {
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
	st.forwarder = st.name + "-forward"
	labels := engine.Labels(s.Operation, engine.KindSandbox, map[string]string{
		engine.LabelProject: s.Project, engine.LabelImage: subj.Image.Name, engine.LabelVersion: subj.Version,
	})
	internal, err := engine.CreateInternalNetwork(ctx, s.Engine, st.name, labels)
	if err != nil {
		return err
	}
	st.networks = append(st.networks, internal)
	id, _, err := engine.StartService(ctx, s.Engine, engine.Service{
		Name: st.name, Image: subj.Ref, Network: st.name, Labels: labels,
		Isolated: true, Writable: !subj.Image.Sandbox.ReadOnly,
	})
	if err != nil {
		return err
	}
	st.ids = append(st.ids, id)
	st.run.service = id
	addr, err := engine.Address(ctx, s.Engine, id, st.name)
	if err != nil {
		if why := st.run.exited(ctx); why != "" {
			// Gone before it had an address: its checks fail with the
			// reason, rather than the sandbox failing to start.
			st.run.gone = why
			return nil
		}
		return err
	}
	image, err := forward.Image(ctx, s.Engine)
	if err != nil {
		return err
	}
	front, err := engine.CreateSandboxNetwork(ctx, s.Engine, st.forwarder, labels)
	if err != nil {
		return err
	}
	st.networks = append([]string{front}, st.networks...)
	fwd, hostPort, err := engine.StartService(ctx, s.Engine, engine.Service{
		Name: st.forwarder, Image: image, Port: forward.Port, Network: st.forwarder, Join: []string{st.name},
		Labels: labels, Isolated: true,
		Cmd: []string{"--listen", ":" + strconv.Itoa(forward.Port), "--to", net.JoinHostPort(addr.String(), strconv.Itoa(port))},
	})
	if err != nil {
		return err
	}
	st.ids = append([]string{fwd}, st.ids...)
	st.run.hostPort = map[int]int{port: hostPort}
	return nil
}

func (st *stepStartService) Cleanup(multistep.StateBag) {
	s := st.run.sandbox
	if st.kept() {
		port := 0
		for _, p := range st.run.hostPort {
			port = p
		}
		fmt.Fprintf(s.Progress, "kept the failed sandbox %s, serving on http://127.0.0.1:%d (through %s)\n"+
			"  look inside: docker logs %s; docker exec -it %s sh (if the image has a shell)\n"+
			"  remove it:   docker rm -f %s %s; docker network rm %s %s   or   bake sweep --operation %s\n",
			st.name, port, st.forwarder, st.name, st.name, st.name, st.forwarder, st.name, st.forwarder, s.Operation)
		return
	}
	for _, id := range st.ids {
		if err := engine.Remove(context.Background(), s.Engine, id); err != nil && s.Progress != nil {
			fmt.Fprintf(s.Progress, "warning: %v; run `docker rm -f %s`\n", err, id)
		}
	}
	for _, id := range st.networks {
		if err := engine.RemoveNetwork(context.Background(), s.Engine, id); err != nil && s.Progress != nil {
			fmt.Fprintf(s.Progress, "warning: %v; run `docker network rm %s`\n", err, id)
		}
	}
}

// kept reports whether a failed sandbox stays for debugging.
func (st *stepStartService) kept() bool {
	s := st.run.sandbox
	return s.KeepOnFailure && len(st.ids) == 2 && !Passed(st.run.list) && s.Progress != nil
}
