package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/gc"
)

// amiLifecycle is what applies retention.deprecate_after and
// retention.protect to p's AMIs, after a promote, a rollback and a gc.
func (f *Factory) amiLifecycle(p *config.Project, store gc.LifecycleLedger) *gc.Lifecycle {
	return &gc.Lifecycle{Project: p, Ledger: store, AWS: f.gcAWS}
}

// gcAWS reaches EC2 in every region a release recorded AMIs in, and Auto
// Scaling in the project's region, with the clients the run shares.
func (f *Factory) gcAWS(ctx context.Context) (*gc.AWS, error) {
	clients, err := f.AWS(ctx)
	if err != nil {
		return nil, err
	}
	return gc.AWSOf(clients), nil
}

// gcAMIChanges lists what retention changes (or, in a dry run, would
// change) on the AMIs gc keeps, one line each with why.
func gcAMIChanges(w io.Writer, r gcReport) {
	for _, c := range r.AMIChanges {
		status := "would change"
		switch {
		case c.Done:
			status = "done"
		case c.Error != "":
			status = "failed: " + c.Error
		}
		fmt.Fprintf(w, "AMI change: %s (%s): %s\n", c, c.Why, status)
	}
}
