package ledger

import (
	"fmt"
	"strings"
)

// Problem is one way a ledger's history disagrees with its hash chain.
type Problem struct {
	Seq  int64  `json:"seq,omitempty"` // the link concerned, 0 when none is
	Kind string `json:"kind,omitempty"`
	Key  string `json:"key,omitempty"`
	What string `json:"what"`
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Kind != "" {
		fmt.Fprintf(&b, "%s %s", p.Kind, p.Key)
		if p.Seq != 0 {
			fmt.Fprintf(&b, " (link %d)", p.Seq)
		}
		b.WriteString(": ")
	} else if p.Seq != 0 {
		fmt.Fprintf(&b, "link %d: ", p.Seq)
	}
	b.WriteString(p.What)
	return b.String()
}

// Report is the outcome of verifying a ledger.
type Report struct {
	Links    int       `json:"links"`
	Head     string    `json:"head"` // the last link's hash: note it, and pass it to a later verify
	Problems []Problem `json:"problems"`
}

// OK reports whether history matches the chain.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Verify checks a ledger's history against its hash chain: that the links
// follow each other unbroken from the first, that every record has its link
// and matches the digest recorded in it, and that no link lacks its record.
// With expect set (a head printed by an earlier verify), the chain must still
// contain that link: this catches history cut off at the end or rewritten
// wholesale, which a chain alone cannot show.
func Verify(c Chain, expect string) Report {
	rep := Report{Links: len(c.Links), Problems: []Problem{}}
	add := func(p Problem) { rep.Problems = append(rep.Problems, p) }

	prevHash, prevSeq := genesis, int64(0)
	found := expect == ""
	for _, l := range c.Links {
		want := prevSeq + 1
		switch {
		case l.Seq > want:
			missing := fmt.Sprintf("links %d to %d are missing", want, l.Seq-1)
			if l.Seq-1 == want {
				missing = "link is missing"
			}
			add(Problem{Seq: want, What: missing + ": history was deleted"})
		case l.Seq < want:
			add(Problem{Seq: l.Seq, What: "link is out of order"})
		case chainHash(prevHash, l) != l.Hash:
			add(Problem{Seq: l.Seq, Kind: l.Kind, Key: l.Key, What: "link does not follow from the one before it: the chain was changed"})
		}
		if l.Hash == expect {
			found = true
		}
		prevHash, prevSeq = l.Hash, l.Seq
	}
	if prevSeq > 0 {
		rep.Head = prevHash
	}
	if !found {
		add(Problem{What: fmt.Sprintf("the chain no longer holds %s, a head seen earlier: history after it was cut off or rewritten", expect)})
	}

	for _, p := range matchEntries(c) {
		add(p)
	}
	return rep
}

// matchEntries pairs each group's records with its links, in order.
func matchEntries(c Chain) []Problem {
	type group struct{ kind, key string }
	links := map[group][]Link{}
	for _, l := range c.Links {
		g := group{l.Kind, l.Key}
		links[g] = append(links[g], l)
	}
	entries := map[group][]Entry{}
	var order []group
	for _, e := range c.Entries {
		g := group{e.Kind, e.Key}
		if _, seen := entries[g]; !seen {
			if _, linked := links[g]; !linked {
				order = append(order, g)
			}
		}
		entries[g] = append(entries[g], e)
	}

	var problems []Problem
	check := func(g group) {
		ls, es := links[g], entries[g]
		for i, l := range ls {
			key := g.key
			if len(ls) > 1 {
				key = fmt.Sprintf("%s #%d", g.key, i+1)
			}
			switch {
			case i >= len(es):
				problems = append(problems, Problem{Seq: l.Seq, Kind: g.kind, Key: key, What: "recorded, but no longer in the ledger: it was deleted"})
			case es[i].Digest != l.Entry:
				problems = append(problems, Problem{Seq: l.Seq, Kind: g.kind, Key: key, What: "changed after it was recorded"})
			}
		}
		for i := len(ls); i < len(es); i++ {
			problems = append(problems, Problem{Kind: g.kind, Key: g.key, What: "in the ledger but not in the chain: it was added outside bake"})
		}
	}
	// Groups in chain order first, then records no link knows, as read.
	seen := map[group]bool{}
	for _, l := range c.Links {
		g := group{l.Kind, l.Key}
		if !seen[g] {
			seen[g] = true
			check(g)
		}
	}
	for _, g := range order {
		check(g)
	}
	return problems
}
