package cli

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/gc"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/status"
)

// A release whose AMIs gc removed says so, with the date, in history's
// STATUS column and in a line of show; the JSON documents carry the record.
func TestHistoryAndShowMarkRemovedAMIs(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.Local)
	amis := map[string]string{"us-east-1": "ami-1e", "eu-west-1": "ami-1u"}
	old := ledger.Release{Image: "web", Version: "1.0.0", Status: ledger.StatusValidated, AMIs: amis, CreatedAt: at, CreatedBy: "ci"}
	cur := ledger.Release{Image: "web", Version: "1.1.0", Status: ledger.StatusValidated, AMIs: map[string]string{"us-east-1": "ami-2e"},
		CreatedAt: at, CreatedBy: "ci"}
	removal := ledger.AMIRemoval{Image: "web", Version: "1.0.0", AMIs: amis, Operation: "gc", By: "ops", At: at.Add(24 * time.Hour)}

	var b bytes.Buffer
	printReleases(&b, status.History{Releases: []ledger.Release{cur, old}, AMIRemovals: []ledger.AMIRemoval{removal}})
	lines := bytes.Split(b.Bytes(), []byte("\n"))
	assert.Equal(t, "web@1.1.0\tvalidated\tus-east-1 ami-2e\t2026-03-04 05:06:07\tci", string(lines[1]))
	assert.Equal(t, "web@1.0.0\tvalidated, AMIs removed 2026-03-05\teu-west-1 ami-1u, us-east-1 ami-1e\t2026-03-04 05:06:07\tci", string(lines[2]))

	b.Reset()
	printRelease(&b, showResult{Release: status.Release{Release: old, AMIsRemoved: &removal}})
	assert.Contains(t, b.String(), "amis removed\tby ops at 2026-03-05 05:06:07 (`bake gc --amis`): promote and rollback refuse it; `bake release web` builds the image anew\n")
	b.Reset()
	printRelease(&b, showResult{Release: status.Release{Release: cur}})
	assert.NotContains(t, b.String(), "amis removed")

	doc, err := json.Marshal(showResult{Release: status.Release{Release: old, AMIsRemoved: &removal}})
	require.NoError(t, err)
	var got struct {
		AMIsRemoved struct {
			By   string            `json:"by"`
			AMIs map[string]string `json:"amis"`
		} `json:"amis_removed"`
	}
	require.NoError(t, json.Unmarshal(doc, &got))
	assert.Equal(t, "ops", got.AMIsRemoved.By)
	assert.Equal(t, amis, got.AMIsRemoved.AMIs)
}

// gc lists each AMI change retention makes, with why and how it went.
func TestGCListsAMIChanges(t *testing.T) {
	at := time.Date(2027, 1, 6, 12, 0, 0, 0, time.UTC)
	changes := []gc.AMIChange{
		{AMI: gc.AMIRef{Region: "us-east-1", ID: "ami-1"}, Action: gc.ActionDeprecate, Releases: []string{"svc@1.0.0"},
			Why: "svc@1.0.0 runs in no environment any more", DeprecateAt: at},
		{AMI: gc.AMIRef{Region: "eu-west-1", ID: "ami-2"}, Action: gc.ActionProtect, Releases: []string{"svc@1.1.0"},
			Why: "svc@1.1.0 runs in the last environment"},
	}
	var b bytes.Buffer
	gcText(&b, gcReport{DryRun: true, Project: "shop", AMIChanges: changes})
	assert.Equal(t, "AMI change: deprecate us-east-1 ami-1 at 2027-01-06 12:00 UTC (svc@1.0.0 runs in no environment any more): would change\n"+
		"AMI change: protect eu-west-1 ami-2 (svc@1.1.0 runs in the last environment): would change\n"+
		"nothing to collect; kept 0 releases\n", b.String())

	changes[0].Done, changes[1].Error = true, "UnauthorizedOperation"
	b.Reset()
	gcText(&b, gcReport{Project: "shop", AMIChanges: changes})
	assert.Contains(t, b.String(), "(svc@1.0.0 runs in no environment any more): done\n")
	assert.Contains(t, b.String(), "(svc@1.1.0 runs in the last environment): failed: UnauthorizedOperation\n")
}
