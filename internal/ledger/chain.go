package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
)

// Kinds of history entry, as they appear in the chain.
const (
	EntryRelease    = "release"
	EntryDeployment = "deployment"
	EntryApproval   = "approval"
	EntryRevocation = "revocation"
	EntryPin        = "pin"
)

// genesis is the hash the first link chains from.
const genesis = "sha256:0000000000000000000000000000000000000000000000000000000000000000"

// Link is one link of the ledger's hash chain. Every record of history
// (release, deployment, approval, revocation, pin, freeze, AMI removal) gets one, written in the
// same atomic write as the record itself; locks are not history and get none.
//
// Hash covers the previous link's hash and this link's fields, so changing,
// removing or reordering any link changes every hash after it; Entry is the
// digest of the record's canonical form, so changing the record itself no
// longer matches its link.
type Link struct {
	Seq   int64  `json:"seq"`   // 1, 2, 3, ... with no gaps
	Kind  string `json:"kind"`  // one of the Entry* kinds
	Key   string `json:"key"`   // names the record: image@version, deployment id, image/env
	Entry string `json:"entry"` // sha256 of the record's canonical form
	Hash  string `json:"hash"`  // sha256 over the previous hash and the fields above
}

// Entry is one record of history as it is stored now, reduced to what the
// chain compares: which group it belongs to and the digest of its canonical
// form. Records of one group (one kind and key: the approvals of a release,
// the pins of an environment) come in the order they were recorded.
type Entry struct {
	Kind   string
	Key    string
	Digest string
}

// Chain is everything verification reads from a ledger: the links, in
// order, and every record of history.
type Chain struct {
	Links   []Link
	Entries []Entry
}

// chainHash computes a link's hash from the previous link's hash.
func chainHash(prev string, l Link) string {
	h := sha256.New()
	for _, field := range []string{prev, strconv.FormatInt(l.Seq, 10), l.Kind, l.Key, l.Entry} {
		// A length prefix keeps field boundaries unambiguous.
		fmt.Fprintf(h, "%d:%s\n", len(field), field)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// NextLink builds the link that follows head (the zero Link for an empty
// chain) and records e.
func NextLink(head Link, e Entry) Link {
	prev := head.Hash
	if head.Seq == 0 {
		prev = genesis
	}
	l := Link{Seq: head.Seq + 1, Kind: e.Kind, Key: e.Key, Entry: e.Digest}
	l.Hash = chainHash(prev, l)
	return l
}

// digestOf is the sha256 of v's JSON encoding: the canonical form of a
// record once its fields are normalized by the entry functions below.
func digestOf(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encoding for the hash chain: %w", err)
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// The entry functions normalize a record to what every backend reads back
// (times in UTC, empty collections as nil) so that the digest made when it
// was written equals the digest of the record read later.

func ReleaseEntry(r Release) (Entry, error) {
	r.CreatedAt = r.CreatedAt.UTC()
	r.Provenance.BuiltAt = r.Provenance.BuiltAt.UTC()
	if len(r.Checks) == 0 {
		r.Checks = nil
	}
	if len(r.AMIs) == 0 {
		r.AMIs = nil
	}
	d, err := digestOf(r)
	return Entry{Kind: EntryRelease, Key: r.Image + "@" + r.Version, Digest: d}, err
}

func DeploymentEntry(d Deployment) (Entry, error) {
	d = normalizeCanary(d)
	d.StartedAt, d.FinishedAt = d.StartedAt.UTC(), d.FinishedAt.UTC()
	dg, err := digestOf(d)
	return Entry{Kind: EntryDeployment, Key: strconv.FormatInt(d.ID, 10), Digest: dg}, err
}

func ApprovalEntry(a Approval) (Entry, error) {
	a.At = a.At.UTC()
	d, err := digestOf(a)
	return Entry{Kind: EntryApproval, Key: a.Image + "@" + a.Version, Digest: d}, err
}

func RevocationEntry(r Revocation) (Entry, error) {
	r.At = r.At.UTC()
	d, err := digestOf(r)
	return Entry{Kind: EntryRevocation, Key: r.Image + "@" + r.Version, Digest: d}, err
}

func PinEntry(p Pin) (Entry, error) {
	p.At = p.At.UTC()
	d, err := digestOf(p)
	return Entry{Kind: EntryPin, Key: p.Image + "/" + p.Env, Digest: d}, err
}
