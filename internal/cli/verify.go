package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/signing"
)

// ErrTampered means the ledger's history no longer matches its hash chain
// (exit 4, like any check that finds the record differs).
var ErrTampered = errors.New("tampered")

func newCmdVerify(f *Factory) *cobra.Command {
	var expect string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check that the ledger's history is exactly what bake recorded",
		Long: `Every record of history (release, deployment, approval, revocation, pin) is
written together with a link of a hash chain: a digest of the record, chained
to the link before it. verify reads the whole ledger and reports every record
that was changed, deleted or added outside bake, and any break in the chain.

When bake.yaml lists signing.public_keys, verify also checks the signature
of every release of the images in bake.yaml: a release whose signature by a
trusted key no longer matches its record was changed, even in a chain that
someone rebuilt to match. Unsigned releases, and releases signed by a key no
longer listed, are counted, not failed.

A chain cannot show history cut off at its end, or rebuilt from scratch by
someone who recomputed every link. For that, keep the head that verify prints
somewhere the ledger's writers cannot change (a CI log, a ticket) and pass it
back with --expect: verify then also checks the chain still holds it.

Exits 0 when history matches, 4 when it does not.`,
		Example: `  bake verify
  bake verify --expect sha256:4f0c...   # a head printed by an earlier verify`,
		Args:              exactArgs(0, "no arguments"),
		ValidArgsFunction: noFiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerify(cmd.Context(), f, expect)
		},
	}
	cmd.Flags().StringVar(&expect, "expect", "", "a head printed by an earlier verify, which the chain must still hold")
	return cmd
}

// verifyResult is what verify prints with -o json.
type verifyResult struct {
	Ledger string `json:"ledger"`
	OK     bool   `json:"ok"`
	ledger.Report
	// Signatures counts the releases checked against signing.public_keys;
	// nil when bake.yaml lists none.
	Signatures *signatureCount `json:"signatures,omitempty"`
}

// signatureCount is what verify found about release signatures.
type signatureCount struct {
	Verified   int `json:"verified"`    // signed by a trusted key, matching the record
	Unsigned   int `json:"unsigned"`    // recorded without a signing key
	UnknownKey int `json:"unknown_key"` // signed by a key signing.public_keys no longer lists
}

func runVerify(ctx context.Context, f *Factory, expect string) error {
	if _, err := v1.NewHash(expect); expect != "" && err != nil {
		return &usageError{fmt.Sprintf("verify: --expect %q is not a head: want sha256: and 64 hex digits, as verify prints", expect)}
	}
	p, err := f.Project()
	if err != nil {
		return err
	}
	store, err := f.Store(ctx)
	if err != nil {
		return err
	}
	chain, err := store.ReadChain(ctx)
	if err != nil {
		return err
	}
	rep := ledger.Verify(chain, expect)
	var sigs *signatureCount
	if len(p.Signing.PublicKeys) > 0 {
		var problems []ledger.Problem
		if sigs, problems, err = verifySignatures(ctx, store, p); err != nil {
			return err
		}
		rep.Problems = append(rep.Problems, problems...)
	}
	res := verifyResult{Ledger: p.Ledger, OK: rep.OK(), Report: rep, Signatures: sigs}
	if err := f.render(SchemaVerify, res, func(w io.Writer) {
		for _, pr := range rep.Problems {
			fmt.Fprintf(w, "TAMPERED  %s\n", pr)
		}
		if rep.OK() {
			fmt.Fprintf(w, "ledger %s: %d records, every one as recorded, chain unbroken\n", p.Ledger, rep.Links)
		}
		if rep.Head != "" {
			fmt.Fprintf(w, "head %s\n", rep.Head)
		}
		if sigs != nil {
			fmt.Fprintf(w, "signatures: %d verified, %d unsigned, %d by a key not in signing.public_keys\n",
				sigs.Verified, sigs.Unsigned, sigs.UnknownKey)
		}
	}); err != nil {
		return err
	}
	if !rep.OK() {
		return fmt.Errorf("%w: ledger %s: history was changed outside bake: %d problem(s), listed on stdout; restore the ledger from a backup and find out who could write to it",
			ErrTampered, p.Ledger, len(rep.Problems))
	}
	return nil
}

// verifySignatures checks the signature of every release of the images in
// bake.yaml against signing.public_keys. Only a signature by a trusted key
// that no longer matches its record is a problem: the rest is counted.
func verifySignatures(ctx context.Context, store ledger.Store, p *config.Project) (*signatureCount, []ledger.Problem, error) {
	count := &signatureCount{}
	var problems []ledger.Problem
	for _, img := range p.Images {
		rels, err := store.Releases(ctx, img.Name)
		if err != nil {
			return nil, nil, err
		}
		for _, rel := range rels {
			switch err := signing.Verify(p.Signing.PublicKeys, rel); {
			case err == nil:
				count.Verified++
			case errors.Is(err, signing.ErrUnsigned):
				count.Unsigned++
			case errors.Is(err, signing.ErrUnknownKey) && rel.SigningKey != "":
				count.UnknownKey++
			default:
				problems = append(problems, ledger.Problem{Kind: ledger.EntryRelease, Key: rel.Image + "@" + rel.Version, What: err.Error()})
			}
		}
	}
	return count, problems, nil
}
