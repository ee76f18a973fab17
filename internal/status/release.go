package status

import (
	"context"
	"errors"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/signing"
)

// Release is everything recorded about one release and where it runs: what
// `bake show` prints and the dashboard's release page shows.
type Release struct {
	ledger.Release
	RunsIn []string `json:"runs_in"` // environments whose current deployment is this release
	WarmIn []string `json:"warm_in"` // environments that keep it running out of traffic, for rollback
	// Copies are where it lives besides its reference, by environment: its
	// copy in an environment's own registry, as the last deployment there recorded.
	Copies map[string]string `json:"copies,omitempty"`
	// Approvals are the manual approvals recorded for it, oldest first.
	Approvals []ledger.Approval `json:"approvals"`
	// Revoked is the release's revocation, if it was revoked.
	Revoked *ledger.Revocation `json:"revoked,omitempty"`
	// AMIsRemoved is the record of `bake gc --amis` removing its AMIs, if
	// it did: the release can no longer be deployed.
	AMIsRemoved *ledger.AMIRemoval `json:"amis_removed,omitempty"`
	Signed      string             `json:"-"` // who signed it, and whether it verifies, for people
}

// Describe reads what the ledger says of rel beyond its own record: where it
// runs or is kept warm, its copies, approvals, revocation and signature.
func Describe(ctx context.Context, p *config.Project, store ledger.Store, rel ledger.Release) (Release, error) {
	res := Release{Release: rel, RunsIn: []string{}, WarmIn: []string{}, Signed: SignedBy(p, rel)}
	for _, env := range p.Environments {
		cur, err := store.Current(ctx, rel.Image, env.Name)
		switch {
		case err != nil:
		case cur.Version == rel.Version:
			res.RunsIn = append(res.RunsIn, env.Name)
		case cur.Previous == rel.Version && env.Retention.Previous == config.KeepWarm:
			// The release it replaced runs on, out of traffic (as status reads it).
			res.WarmIn = append(res.WarmIn, env.Name)
		}
	}
	var err error
	if res.Copies, err = copies(ctx, store, p, rel); err != nil {
		return Release{}, err
	}
	if res.Approvals, err = store.Approvals(ctx, rel.Image, rel.Version); err != nil {
		return Release{}, err
	}
	if res.Revoked, err = Revocation(ctx, store, rel.Image, rel.Version); err != nil {
		return Release{}, err
	}
	if res.AMIsRemoved, err = AMIRemoval(ctx, store, rel); err != nil {
		return Release{}, err
	}
	return res, nil
}

// SignedBy says which key signed rel and, when bake.yaml lists public
// keys, whether the signature verifies: what promote would make of it.
func SignedBy(p *config.Project, rel ledger.Release) string {
	keys := p.Signing.PublicKeys
	if rel.Signature == "" {
		if len(keys) > 0 {
			return "no: promote and rollback refuse it (signing.public_keys is set)"
		}
		return ""
	}
	s := "by " + rel.SigningKey
	if len(keys) == 0 {
		return s
	}
	if err := signing.Verify(keys, rel); err != nil {
		return s + "; DOES NOT VERIFY: " + err.Error()
	}
	k, _ := signing.Trusted(keys, rel.SigningKey)
	return s + " (verified with " + k.File + ")"
}

// Revocation returns the revocation of image@version, nil if it was never
// revoked.
func Revocation(ctx context.Context, store ledger.Store, image, version string) (*ledger.Revocation, error) {
	rv, err := store.Revocation(ctx, image, version)
	switch {
	case errors.Is(err, ledger.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return &rv, nil
}

// copies finds rel's copies in environments' own registries: the newest
// successful deployment of rel in each environment that recorded one.
func copies(ctx context.Context, store ledger.Store, p *config.Project, rel ledger.Release) (map[string]string, error) {
	out := map[string]string{}
	for _, env := range p.Environments {
		if env.Registry == nil {
			continue
		}
		deps, err := store.Deployments(ctx, rel.Image, env.Name)
		if err != nil {
			return nil, err
		}
		for _, d := range deps {
			if d.Version == rel.Version && d.Reference != "" && d.Outcome == ledger.OutcomeSucceeded {
				out[env.Name] = d.Reference
				break
			}
		}
	}
	return out, nil
}
