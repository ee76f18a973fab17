package ledger

import (
	"errors"
	"fmt"
	"time"
)

// EntryAMIRemoval is the kind of an AMI removal record in the hash chain.
const EntryAMIRemoval = "ami-removal"

// AMIRemoval is what `bake gc --amis` records when it has deregistered
// every AMI of a release (and deleted their snapshots): the release stays
// in history, but it can no longer be deployed, so promote and rollback
// refuse it and `bake release` builds the image anew. One per release.
type AMIRemoval struct {
	Image   string `json:"image"`
	Version string `json:"version"`
	// AMIs are the machine images deregistered, by region: the release's.
	AMIs map[string]string `json:"amis"`
	// Operation is the bake run that removed them ("gc").
	Operation string    `json:"operation"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
}

// ValidateAMIRemoval checks an AMI removal record and stamps it with the
// time if it has none.
func ValidateAMIRemoval(r *AMIRemoval) error {
	if r.Image == "" || r.Version == "" || r.By == "" || len(r.AMIs) == 0 {
		return fmt.Errorf("recording the removal of the AMIs of %s@%s: the release, its AMIs and who removed them are required", r.Image, r.Version)
	}
	if r.At.IsZero() {
		r.At = time.Now()
	}
	return nil
}

// AMIRemovalEntry is an AMI removal record's entry in the hash chain.
func AMIRemovalEntry(r AMIRemoval) (Entry, error) {
	r.At = r.At.UTC()
	d, err := digestOf(r)
	return Entry{Kind: EntryAMIRemoval, Key: r.Image + "@" + r.Version, Digest: d}, err
}

// AMIsRemovedError says a release cannot be deployed: `bake gc --amis`
// deregistered its AMIs. errors.Is(err, ErrAMIsRemoved) is true.
type AMIsRemovedError struct {
	Removal AMIRemoval
}

// ErrAMIsRemoved is what an AMIsRemovedError matches.
var ErrAMIsRemoved = errors.New("AMIs removed")

func (e *AMIsRemovedError) Error() string {
	r := e.Removal
	return fmt.Sprintf("%s@%s cannot be deployed: its AMIs were removed by `bake gc --amis` on %s; run `bake release %s` to build the image anew",
		r.Image, r.Version, r.At.UTC().Format("2006-01-02"), r.Image)
}

// Unwrap lets errors.Is match ErrAMIsRemoved.
func (e *AMIsRemovedError) Unwrap() error { return ErrAMIsRemoved }
