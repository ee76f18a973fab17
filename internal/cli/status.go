package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/targets"
)

func newCmdStatus(f *Factory) *cobra.Command {
	var check bool
	cmd := &cobra.Command{
		Use:   "status [IMAGE] [--check]",
		Short: "Show what each environment runs, with the newest releases, and any drift from the record",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return exactArgs(1, "at most one IMAGE")(cmd, args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			image := ""
			if len(args) == 1 {
				image = args[0]
			}
			return runStatus(cmd.Context(), f, image, check)
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "exit 4 when what runs differs from the record (for monitoring)")
	return cmd
}

type imageStatus struct {
	Image        string      `json:"image"`
	Latest       string      `json:"latest_release,omitempty"`
	Environments []envStatus `json:"environments"`
	// OutdatedBase names the newer base release when the latest release was
	// built FROM an older one.
	OutdatedBase string `json:"outdated_base,omitempty"`
}

type envStatus struct {
	Env       string            `json:"env"`
	Version   string            `json:"version,omitempty"`
	Digest    string            `json:"digest,omitempty"`
	Since     *time.Time        `json:"since,omitempty"`
	By        string            `json:"by,omitempty"`
	Listen    string            `json:"listen"`
	Replicas  []targets.Replica `json:"replicas"`
	Upstreams []string          `json:"upstreams"`
	// OutdatedBase names the newer base release when the running release was
	// built FROM an older one.
	OutdatedBase string `json:"outdated_base,omitempty"`
	// Revoked says why the running release was revoked: it should not run.
	Revoked string `json:"revoked,omitempty"`
	// Previous is the release the running one replaced.
	Previous string `json:"previous,omitempty"`
	// Pinned is set while a rollback holds the environment on its release.
	Pinned *ledger.Pin `json:"pinned,omitempty"`
	// Drift lists every difference between the record and what runs.
	Drift []string `json:"drift,omitempty"`
	// Detail is the target type's own view of what runs (an asg target's
	// Auto Scaling groups), and Lines describe it, one line each.
	Detail any      `json:"detail,omitempty"`
	Lines  []string `json:"-"`
	// Interrupted says which promote or rollback was interrupted there,
	// until `bake recover ENV` (or the next promote or rollback) converges.
	Interrupted string `json:"interrupted,omitempty"`
	// LiveUnavailable says why what runs could not be read (the engine, the
	// front door or AWS did not answer): the entry shows the record alone,
	// and drift is unknown.
	LiveUnavailable string `json:"live_unavailable,omitempty"`
}

func runStatus(ctx context.Context, f *Factory, only string, check bool) error {
	p, err := f.Project()
	if err != nil {
		return err
	}
	images := p.Images
	if only != "" {
		_, img, err := f.image(only)
		if err != nil {
			return err
		}
		images = []*config.Image{img}
	}
	store, err := f.Store(ctx)
	if err != nil {
		return err
	}
	live := f.liveTargets(ctx, p)
	if err := live.unreachable(); check && err != nil {
		return fmt.Errorf("checking for drift: %w", err)
	}
	drifted, unavailable := false, false
	bases := newBaseCheck(ctx, store)
	interrupted, err := interruptedByEnv(ctx, store, p)
	if err != nil {
		return err
	}
	var out []imageStatus
	for _, img := range images {
		st := imageStatus{Image: img.Name, Environments: []envStatus{}}
		if rels, err := store.Releases(ctx, img.Name); err == nil && len(rels) > 0 {
			st.Latest = rels[0].Version + " (" + rels[0].Status + ")"
			st.OutdatedBase = bases.newer(rels[0].Base)
		}
		for _, env := range p.Environments {
			tgt, ok := env.Targets[img.Name]
			if !ok {
				continue
			}
			es := envStatus{Env: env.Name, Listen: tgt.Listen, Replicas: []targets.Replica{}, Upstreams: []string{}}
			for _, it := range interrupted[env.Name] {
				if it.Image == img.Name || it.Image == "" {
					es.Interrupted = it.String()
					drifted = true
				}
			}
			cur, err := store.Current(ctx, img.Name, env.Name)
			switch {
			case err == nil:
				since := cur.FinishedAt
				es.Version, es.Digest, es.Since, es.By = cur.Version, cur.Digest, &since, cur.By
				if rel, err := store.Release(ctx, img.Name, cur.Version); err == nil {
					es.OutdatedBase = bases.newer(rel.Base)
				}
				if rev, err := store.Revocation(ctx, img.Name, cur.Version); err == nil {
					es.Revoked = rev.Reason
				}
				es.Previous = cur.Previous
				if pin, err := store.Pin(ctx, img.Name, env.Name); err == nil && pin.Pinned {
					es.Pinned = &pin
				}
			case !errors.Is(err, ledger.ErrNotFound):
				return err
			}
			if live, err := live.observe(ctx, env, img.Name, es); err != nil {
				es.LiveUnavailable = err.Error()
				unavailable = true
			} else {
				if live.Replicas != nil {
					es.Replicas = live.Replicas
				}
				if live.Upstreams != nil {
					es.Upstreams = live.Upstreams
				}
				es.Detail, es.Lines, es.Drift = live.Detail, live.Lines, live.Drift
				drifted = drifted || len(es.Drift) > 0
			}
			st.Environments = append(st.Environments, es)
		}
		out = append(out, st)
	}
	err = f.render(out, func(w io.Writer) {
		for _, st := range out {
			for _, es := range st.Environments {
				if es.Revoked != "" {
					fmt.Fprintf(f.Err, "warning: %s runs %s@%s, which was revoked (%s): roll it back or promote a fix\n",
						es.Env, st.Image, es.Version, es.Revoked)
				}
			}
			latest := orNone(st.Latest)
			if st.OutdatedBase != "" {
				latest += ", outdated base: " + st.OutdatedBase + " is newer"
			}
			fmt.Fprintf(w, "%s\tlatest release: %s\n", st.Image, latest)
			if len(st.Environments) == 0 {
				continue
			}
			fmt.Fprintln(w, "  ENV\tVERSION\tDIGEST\tSINCE\tBY\tREPLICAS\tFRONT DOOR")
			for _, es := range st.Environments {
				since := "-"
				if es.Since != nil {
					since = es.Since.Local().Format("2006-01-02 15:04:05")
				}
				version := dash(es.Version)
				if es.OutdatedBase != "" {
					version += " (outdated base)"
				}
				if es.Revoked != "" {
					version += " (REVOKED)"
				}
				if es.Pinned != nil {
					version += " (pinned)"
				}
				fmt.Fprintf(w, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", es.Env, version, dash(shortDigest(es.Digest)),
					since, dash(es.By), replicaSummary(es.Replicas), dash(es.Listen))
			}
			for _, es := range st.Environments {
				for _, line := range es.Lines {
					// No tabs: the lines stay out of the table's columns.
					fmt.Fprintf(w, "  %s: %s\n", es.Env, line)
				}
			}
		}
		for _, st := range out {
			for _, es := range st.Environments {
				if es.Interrupted != "" {
					fmt.Fprintf(w, "interrupted: %s in %s: %s; run `bake recover %s`\n", st.Image, es.Env, es.Interrupted, es.Env)
				}
				for _, d := range es.Drift {
					fmt.Fprintf(w, "drift: %s in %s: %s\n", st.Image, es.Env, d)
				}
				if es.LiveUnavailable != "" {
					fmt.Fprintf(w, "live state unavailable: %s in %s: %s; what runs is unknown (the record alone is shown)\n",
						st.Image, es.Env, es.LiveUnavailable)
				}
			}
		}
	})
	if err != nil {
		return err
	}
	if check && unavailable {
		return fmt.Errorf("checking for drift: live state unavailable (see above): %w", firstUnavailable(out))
	}
	if check && drifted {
		return fmt.Errorf("%w: what runs differs from the record, or an operation was interrupted (see above)", ErrDrift)
	}
	return nil
}

// interruptedByEnv finds the interrupted operations of each environment.
func interruptedByEnv(ctx context.Context, store ledger.Store, p *config.Project) (map[string][]promote.Interruption, error) {
	out := map[string][]promote.Interruption{}
	for _, env := range p.Environments {
		ints, err := promote.Interrupted(ctx, store, env.Name, envImages(env))
		if errors.Is(err, promote.ErrUnderWay) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[env.Name] = ints
	}
	return out, nil
}

func replicaSummary(rs []targets.Replica) string {
	running, stopped := map[string]int{}, map[string]int{}
	var order []string
	for _, r := range rs {
		if running[r.Version]+stopped[r.Version] == 0 {
			order = append(order, r.Version)
		}
		if r.Running {
			running[r.Version]++
		} else {
			stopped[r.Version]++
		}
	}
	var parts []string
	for _, v := range order {
		if running[v] > 0 {
			parts = append(parts, fmt.Sprintf("%d running %s", running[v], v))
		}
		if stopped[v] > 0 {
			parts = append(parts, fmt.Sprintf("%d stopped %s", stopped[v], v))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// baseCheck tells whether a release's base (image@version) has a newer
// validated release, reading each base image's releases once.
type baseCheck struct {
	ctx    context.Context
	store  ledger.Store
	newest map[string]string // base image -> newest validated version
}

func newBaseCheck(ctx context.Context, store ledger.Store) *baseCheck {
	return &baseCheck{ctx: ctx, store: store, newest: map[string]string{}}
}

// newer returns "image@version" of the newer base release, or "".
func (b *baseCheck) newer(base string) string {
	image, version, ok := strings.Cut(base, "@")
	if !ok {
		return ""
	}
	newest, seen := b.newest[image]
	if !seen {
		if rels, err := b.store.Releases(b.ctx, image); err == nil {
			for _, r := range rels {
				if r.Status == ledger.StatusValidated {
					newest = r.Version
					break
				}
			}
		}
		b.newest[image] = newest
	}
	if newest == "" || newest == version {
		return ""
	}
	return image + "@" + newest
}

// firstUnavailable is the first reason the live state could not be read.
func firstUnavailable(out []imageStatus) error {
	for _, st := range out {
		for _, es := range st.Environments {
			if es.LiveUnavailable != "" {
				return errors.New(es.LiveUnavailable)
			}
		}
	}
	return nil
}
