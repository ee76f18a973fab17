// Package sweep finds and removes what a bake run that could not clean up
// (killed with SIGKILL, a machine that lost power) left in the Docker
// engine: sandbox and check containers, and any network or volume bake
// labelled. Replicas are never swept: environments run them, or keep them
// stopped for a fast rollback.
package sweep

import (
	"context"
	"fmt"
	"time"

	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/engine"
)

// Resource is what kind of engine object a leftover is.
type Resource string

// Resources sweep removes, in the order it removes them: containers first,
// because they hold networks and volumes.
const (
	Container Resource = "container"
	Network   Resource = "network"
	Volume    Resource = "volume"
)

// Selector says which leftovers to sweep.
type Selector struct {
	Project   string        // only this project's; "" for every project
	OlderThan time.Duration // created at least this long ago
	Operation string        // only this bake run's, whatever their age
}

// Leftover is one resource a bake run left behind.
type Leftover struct {
	Resource   Resource      `json:"resource"`
	ID         string        `json:"id"`
	Name       string        `json:"name"`
	Region     string        `json:"region,omitempty"` // AWS leftovers only
	Project    string        `json:"project"`
	Operation  string        `json:"operation"`
	Kind       string        `json:"kind,omitempty"` // bake's kind label: sandbox for containers
	Created    time.Time     `json:"created"`
	Age        time.Duration `json:"-"`
	AgeSeconds int64         `json:"age_seconds"`
	Removed    bool          `json:"removed"`
	Error      string        `json:"error,omitempty"`
	// LeftAlone says why sweep does not remove it though it carries bake's
	// tags: no run bake knows of created it.
	LeftAlone string `json:"left_alone,omitempty"`
}

// Sweeper finds and removes leftovers in one engine.
type Sweeper struct {
	Engine *client.Client
	// Now is the clock ages are measured against; nil means time.Now.
	Now func() time.Time
}

// Find lists the leftovers sel selects: containers, then networks, then
// volumes. It changes nothing.
func (s *Sweeper) Find(ctx context.Context, sel Selector) ([]Leftover, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	at := now()
	var out []Leftover
	add := func(res Resource, id, name string, labels map[string]string, engineCreated time.Time) {
		created, ok := sel.match(labels, engineCreated, at)
		if !ok {
			return
		}
		age := max(at.Sub(created), 0).Truncate(time.Second)
		out = append(out, Leftover{
			Resource: res, ID: id, Name: name, Project: labels[engine.LabelProject],
			Operation: labels[engine.LabelOperation], Kind: labels[engine.LabelKind],
			Created: created.UTC(), Age: age, AgeSeconds: int64(age / time.Second),
		})
	}

	containers, err := s.Engine.ContainerList(ctx, client.ContainerListOptions{
		All: true, Filters: sel.filters(engine.LabelKind + "=" + engine.KindSandbox),
	})
	if err != nil {
		return nil, fmt.Errorf("listing sandbox containers: %w", err)
	}
	for _, c := range containers.Items {
		name := c.ID
		if len(c.Names) > 0 {
			name = trimSlash(c.Names[0])
		}
		add(Container, c.ID, name, c.Labels, time.Unix(c.Created, 0))
	}

	networks, err := s.Engine.NetworkList(ctx, client.NetworkListOptions{Filters: sel.filters(engine.LabelOperation)})
	if err != nil {
		return nil, fmt.Errorf("listing bake networks: %w", err)
	}
	for _, n := range networks.Items {
		add(Network, n.ID, n.Name, n.Labels, n.Created)
	}

	volumes, err := s.Engine.VolumeList(ctx, client.VolumeListOptions{Filters: sel.filters(engine.LabelOperation)})
	if err != nil {
		return nil, fmt.Errorf("listing bake volumes: %w", err)
	}
	for _, v := range volumes.Items {
		created, _ := time.Parse(time.RFC3339Nano, v.CreatedAt)
		add(Volume, v.Name, v.Name, v.Labels, created)
	}
	return out, nil
}

// filters narrows an engine listing to sel's project and operation, so the
// engine does most of the selecting; match decides the rest.
func (sel Selector) filters(label string) client.Filters {
	labels := []string{label}
	if sel.Project != "" {
		labels = append(labels, engine.LabelProject+"="+sel.Project)
	}
	if sel.Operation != "" {
		labels = append(labels, engine.LabelOperation+"="+sel.Operation)
	}
	return client.Filters{}.Add("label", labels...)
}

// match reports whether a resource with labels, created by the engine at
// engineCreated, is selected at time now, and when it was created: bake's
// created label, or the engine's own time when the label is missing. A
// replica is never selected, and neither is a resource whose age is unknown
// unless its operation was named.
func (sel Selector) match(labels map[string]string, engineCreated, now time.Time) (time.Time, bool) {
	created, err := time.Parse(time.RFC3339, labels[engine.LabelCreated])
	if err != nil {
		created = engineCreated
	}
	switch {
	case labels[engine.LabelKind] == engine.KindReplica:
		return created, false
	case sel.Project != "" && labels[engine.LabelProject] != sel.Project:
		return created, false
	case sel.Operation != "":
		return created, labels[engine.LabelOperation] == sel.Operation
	case created.IsZero() || created.Unix() <= 0:
		return created, false
	}
	return created, now.Sub(created) >= sel.OlderThan
}

func trimSlash(name string) string {
	if len(name) > 0 && name[0] == '/' {
		return name[1:]
	}
	return name
}
