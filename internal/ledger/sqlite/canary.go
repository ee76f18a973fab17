package sqlite

import (
	"encoding/json"
	"fmt"

	"github.com/bakehq/bake/internal/ledger"
)

// canaryColumns encodes what a canary adds to a deployment as its canary
// and analysis columns: JSON, or an empty string for none, as in every
// older record.
func canaryColumns(d ledger.Deployment) (canary, analysis string, err error) {
	if d.Canary != nil {
		c := *d.Canary
		c.Until = c.Until.UTC()
		b, err := json.Marshal(c)
		if err != nil {
			return "", "", fmt.Errorf("encoding the canary's progress: %w", err)
		}
		canary = string(b)
	}
	if len(d.Analysis) > 0 {
		b, err := json.Marshal(d.Analysis)
		if err != nil {
			return "", "", fmt.Errorf("encoding the canary's analysis: %w", err)
		}
		analysis = string(b)
	}
	return canary, analysis, nil
}

// readCanaryColumns decodes what canaryColumns wrote into d.
func readCanaryColumns(d *ledger.Deployment, canary, analysis string) error {
	if canary != "" {
		d.Canary = &ledger.CanaryProgress{}
		if err := json.Unmarshal([]byte(canary), d.Canary); err != nil {
			return fmt.Errorf("reading the canary's progress of deployment %d: %w", d.ID, err)
		}
		d.Canary.Until = d.Canary.Until.UTC()
	}
	if analysis != "" {
		if err := json.Unmarshal([]byte(analysis), &d.Analysis); err != nil {
			return fmt.Errorf("reading the canary's analysis of deployment %d: %w", d.ID, err)
		}
	}
	return nil
}
