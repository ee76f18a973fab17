package ledger

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chainOf links entries one after another, as writers do.
func chainOf(entries ...Entry) Chain {
	c := Chain{Entries: entries}
	head := Link{}
	for _, e := range entries {
		head = NextLink(head, e)
		c.Links = append(c.Links, head)
	}
	return c
}

func entries() []Entry {
	return []Entry{
		{Kind: EntryRelease, Key: "web@1.0.0", Digest: "sha256:a"},
		{Kind: EntryDeployment, Key: "1", Digest: "sha256:b"},
		{Kind: EntryDeployment, Key: "2", Digest: "sha256:c"},
	}
}

func TestVerifyFindsBrokenLinks(t *testing.T) {
	ok := chainOf(entries()...)
	require.True(t, Verify(ok, "").OK())
	assert.Equal(t, ok.Links[2].Hash, Verify(ok, "").Head)
	assert.Empty(t, Verify(Chain{}, "").Head, "an empty ledger has no head")

	t.Run("a link whose fields changed", func(t *testing.T) {
		c := chainOf(entries()...)
		c.Links[1].Entry = "sha256:x"
		c.Entries[1].Digest = "sha256:x" // the record was changed to match
		rep := Verify(c, "")
		require.Len(t, rep.Problems, 1)
		assert.Equal(t, "deployment 1 (link 2): link does not follow from the one before it: the chain was changed", rep.Problems[0].String())
	})
	t.Run("a link removed from the middle", func(t *testing.T) {
		c := chainOf(entries()...)
		c.Links = append(c.Links[:1], c.Links[2])
		c.Entries = append(c.Entries[:1], c.Entries[2])
		rep := Verify(c, "")
		require.Len(t, rep.Problems, 1)
		assert.Equal(t, "link 2: link is missing: history was deleted", rep.Problems[0].String())
	})
	t.Run("links rewritten from one on", func(t *testing.T) {
		old := chainOf(entries()...)
		forged := chainOf(entries()[0], Entry{Kind: EntryDeployment, Key: "1", Digest: "sha256:evil"}, entries()[2])
		assert.True(t, Verify(forged, "").OK(), "a chain rebuilt from scratch is consistent in itself")
		rep := Verify(forged, old.Links[2].Hash)
		require.Len(t, rep.Problems, 1)
		assert.Contains(t, rep.Problems[0].What, "no longer holds")
	})
}
