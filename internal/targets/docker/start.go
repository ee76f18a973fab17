package docker

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	"github.com/moby/moby/client"
	"golang.org/x/sync/errgroup"

	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/steps"
	"github.com/bakehq/bake/internal/targets"
)

// stepStartReplicas brings up the release's replicas: it restarts replicas
// kept stopped from an earlier deployment of the same digest, and creates
// the rest. Cleanup undoes exactly that if the deployment does not finish.
type stepStartReplicas struct {
	d         *Target
	req       targets.Request
	ready     []targets.Replica
	created   []targets.Replica
	restarted []targets.Replica
	existing  []targets.Replica // replicas not yet looked at; nil until listed
	serial    int               // numbers the replicas this deployment creates
	// running says why a replica of the release was already running, for
	// its line ("kept warm" when empty).
	running string
}

func (st *stepStartReplicas) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	if err := st.start(ctx, st.req.Target.Replicas); err != nil {
		return steps.Halt(state, err)
	}
	return multistep.ActionContinue
}

// start brings the number of ready replicas up to n: replicas of the release
// still running out of traffic (kept warm) are used as they are, stopped
// ones are started again, and the rest are created. Replicas are started
// and created side by side, so n replicas take about as long as one.
func (st *stepStartReplicas) start(ctx context.Context, n int) error {
	d, req := st.d, st.req
	if st.existing == nil {
		existing, err := d.replicas(ctx, req.Env, req.Image.Name)
		if err != nil {
			return err
		}
		st.existing = existing
	}
	for len(st.ready) < n {
		var stopped []targets.Replica
		for len(st.existing) > 0 && len(st.ready)+len(stopped) < n {
			r := st.existing[0]
			st.existing = st.existing[1:]
			switch {
			case r.Digest != req.Release.Digest:
			case r.Running && r.Upstream != "":
				st.ready = append(st.ready, r)
				why := st.running
				if why == "" {
					why = "kept warm"
				}
				d.step(progress.Started, "using %s (%s)", r.Name, why)
			case !r.Running:
				stopped = append(stopped, r)
			}
		}
		if len(stopped) == 0 {
			break
		}
		if err := st.restart(ctx, stopped); err != nil {
			return err
		}
	}
	if len(st.ready) < n {
		if err := engine.EnsureImage(ctx, d.Engine, req.Release.Reference); err != nil {
			return err
		}
		return st.create(ctx, n-len(st.ready))
	}
	return nil
}

// restart starts the stopped replicas again, side by side. A replica whose
// port went to something else while it was stopped is removed: a new one
// takes its place. Every replica that started is recorded, even when
// another failed, so Cleanup stops it again.
func (st *stepStartReplicas) restart(ctx context.Context, stopped []targets.Replica) error {
	d := st.d
	started := make([]targets.Replica, len(stopped))
	removed := make([]bool, len(stopped))
	errs := make([]error, len(stopped))
	var g errgroup.Group
	for i, r := range stopped {
		g.Go(func() error {
			if _, err := d.Engine.ContainerStart(ctx, r.ID, client.ContainerStartOptions{}); err != nil {
				if !engine.IsPortTaken(err) {
					errs[i] = fmt.Errorf("restarting replica %s: %w", r.Name, err)
					return nil
				}
				errs[i] = removeReplica(ctx, d, r)
				removed[i] = errs[i] == nil
				return nil
			}
			started[i], errs[i] = st.published(ctx, r)
			return nil
		})
	}
	_ = g.Wait()
	for i, r := range stopped {
		switch {
		case removed[i]:
			d.step(progress.Retired, "removed %s: its port was taken while it was stopped", r.Name)
		case started[i].ID != "":
			st.restarted = append(st.restarted, r)
			if errs[i] == nil {
				st.ready = append(st.ready, started[i])
				d.step(progress.Started, "restarted %s", r.Name)
			}
		}
	}
	return errors.Join(errs...)
}

// create starts count new replicas side by side; every one created is
// recorded, even when another failed, so Cleanup removes it.
func (st *stepStartReplicas) create(ctx context.Context, count int) error {
	d, req := st.d, st.req
	names := make([]string, count)
	for i := range names {
		st.serial++
		names[i] = fmt.Sprintf("bake-%s-%s-%s-%s-%s-%d", d.Project, req.Env, req.Image.Name,
			strings.ReplaceAll(req.Release.Version, "+", "_"), d.Operation, st.serial)
	}
	netID, err := d.ensureNetwork(ctx, req.Env)
	if err != nil {
		return fmt.Errorf("starting replicas of %s@%s: %w", req.Image.Name, req.Release.Version, err)
	}
	created := make([]targets.Replica, count)
	errs := make([]error, count)
	var g errgroup.Group
	for i, name := range names {
		g.Go(func() error {
			id, port, err := engine.StartService(ctx, d.Engine, engine.Service{
				Name: name, Image: req.Release.Reference, Port: req.Image.Port, Restart: true, Network: netID,
				// What the sandbox proved the image runs with.
				Hardened: true, Writable: !req.Image.Sandbox.ReadOnly,
				Labels: engine.Labels(d.Operation, engine.KindReplica, map[string]string{
					engine.LabelProject: d.Project, engine.LabelEnv: req.Env, engine.LabelImage: req.Image.Name,
					engine.LabelVersion: req.Release.Version, engine.LabelDigest: req.Release.Digest,
				}),
			})
			if err != nil {
				// StartService removed what it created.
				errs[i] = fmt.Errorf("starting replica of %s@%s: %w", req.Image.Name, req.Release.Version, err)
				return nil
			}
			created[i] = targets.Replica{ID: id, Name: name, Version: req.Release.Version, Digest: req.Release.Digest,
				Running: true, Upstream: fmt.Sprintf("127.0.0.1:%d", port), Operation: d.Operation}
			return nil
		})
	}
	_ = g.Wait()
	for i, r := range created {
		if r.ID == "" {
			continue
		}
		st.created = append(st.created, r)
		if errs[i] == nil {
			st.ready = append(st.ready, r)
			st.d.step(progress.Started, "started %s", r.Name)
		}
	}
	return errors.Join(errs...)
}

// published returns r, running, with the loopback address its port is
// published on.
func (st *stepStartReplicas) published(ctx context.Context, r targets.Replica) (targets.Replica, error) {
	port, err := engine.PublishedPort(ctx, st.d.Engine, r.ID, st.req.Image.Port)
	if err != nil {
		return r, err
	}
	r.Upstream = fmt.Sprintf("127.0.0.1:%d", port)
	r.Running = true
	return r, nil
}

// Cleanup disposes of the new replicas unless the deployment finished.
func (st *stepStartReplicas) Cleanup(state multistep.StateBag) {
	_, halted := state.GetOk(multistep.StateHalted)
	_, cancelled := state.GetOk(multistep.StateCancelled)
	if !halted && !cancelled {
		return
	}
	st.undo(context.Background())
}

// undo removes the replicas start created and stops those it started again;
// replicas that were already running are left as they were.
func (st *stepStartReplicas) undo(ctx context.Context) {
	for _, r := range st.created {
		if err := removeReplica(ctx, st.d, r); err != nil {
			st.d.say("warning: %v; run `docker rm -f %s`", err, r.Name)
		} else {
			st.d.step(progress.Retired, "removed %s", r.Name)
		}
	}
	for _, r := range st.restarted {
		if err := st.d.stop(ctx, r); err != nil {
			st.d.say("warning: %v", err)
		}
	}
	if len(st.created) > 0 {
		st.d.pruneNetwork(ctx, st.req.Env)
	}
}

func removeReplica(ctx context.Context, d *Target, r targets.Replica) error {
	return engine.Remove(ctx, d.Engine, r.ID)
}
