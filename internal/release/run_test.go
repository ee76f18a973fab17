package release

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
)

func names(level []*config.Image) []string {
	var out []string
	for _, img := range level {
		out = append(out, img.Name)
	}
	return out
}

func TestOrderPutsBasesFirst(t *testing.T) {
	for _, tc := range []struct {
		name   string
		images []*config.Image
		levels [][]string
	}{
		{"no images", nil, nil},
		{"no bases", []*config.Image{{Name: "b"}, {Name: "a"}}, [][]string{{"b", "a"}}},
		{"a base listed after its image",
			[]*config.Image{{Name: "web", Base: "runtime"}, {Name: "debian"}, {Name: "runtime", Base: "debian"},
				{Name: "worker", Base: "debian"}, {Name: "scratchy"}},
			[][]string{{"debian", "scratchy"}, {"runtime", "worker"}, {"web"}}},
		{"a base outside the project is no base",
			[]*config.Image{{Name: "web", Base: "elsewhere"}}, [][]string{{"web"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got [][]string
			for _, level := range Order(&config.Project{Images: tc.images}) {
				got = append(got, names(level))
			}
			assert.Equal(t, tc.levels, got)
		})
	}
}

func TestDecideNumbersReleases(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir()+"/ledger.db")
	require.NoError(t, err)
	defer store.Close()
	for _, r := range []ledger.Release{
		{Image: "web", Version: "1.2.0", Status: ledger.StatusValidated},
		{Image: "web", Version: "1.3.0", Status: ledger.StatusFailed},
	} {
		r.CreatedAt = time.Now()
		require.NoError(t, store.PutRelease(ctx, r))
	}
	// Outside a git repository the next version bumps the highest recorded one.
	dir := t.TempDir()
	p := &config.Project{Dir: dir}
	web := &config.Image{Name: "web", Template: dir + "/web/Dockerfile", Context: dir + "/web"}
	fresh := &config.Image{Name: "api", Template: dir + "/api/Dockerfile", Context: dir + "/api"}
	for _, tc := range []struct {
		name     string
		img      *config.Image
		explicit string
		bump     string
		want     string
		reason   string
		err      string
	}{
		{name: "explicit", img: web, explicit: "2.0.0", bump: "auto", want: "2.0.0", reason: "--version"},
		{name: "explicit, not semver", img: web, explicit: "two", bump: "auto", err: "two"},
		{name: "auto after a failed release", img: web, bump: "auto", want: "1.3.1"},
		{name: "minor", img: web, bump: "minor", want: "1.4.0"},
		{name: "major", img: web, bump: "major", want: "2.0.0"},
		{name: "first release", img: fresh, bump: "auto"},
		{name: "unknown bump", img: web, bump: "huge", err: "huge"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, reason, err := Decide(ctx, store, p, tc.img, tc.explicit, tc.bump)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			if tc.want != "" {
				assert.Equal(t, tc.want, v.String())
			} else {
				assert.NotEmpty(t, v.String())
			}
			if tc.reason != "" {
				assert.Equal(t, tc.reason, reason)
			} else {
				assert.NotEmpty(t, reason)
			}
		})
	}
}

func TestAllStopsAfterAFailedLevel(t *testing.T) {
	p := &config.Project{Images: []*config.Image{
		{Name: "app", Base: "base"}, {Name: "base"}, {Name: "other"},
	}}
	ctx := context.Background()
	var mu sync.Mutex
	var ran []string
	out, err := All(ctx, p, 2, func(_ context.Context, img *config.Image) (Result, error) {
		mu.Lock()
		ran = append(ran, img.Name)
		mu.Unlock()
		if img.Name == "base" {
			return Result{}, assert.AnError
		}
		return Result{Release: ledger.Release{Image: img.Name, Version: "1.0.0"}}, nil
	})
	require.ErrorIs(t, err, assert.AnError)
	assert.ElementsMatch(t, []string{"base", "other"}, ran, "app builds FROM the failed base: not released")
	require.Len(t, out, 3, "one result per image, also for one never tried")
	assert.Equal(t, "app", out[0].Release.Image, "results in bake.yaml's order")
	assert.Equal(t, `not tried: "base" failed first; release it again once that is fixed`, out[0].Skipped)
	assert.Empty(t, out[0].Error)
	assert.Equal(t, "base", out[1].Release.Image)
	assert.Equal(t, assert.AnError.Error(), out[1].Error)
	assert.Empty(t, out[1].Skipped)
	assert.Equal(t, "other", out[2].Release.Image)
	assert.Empty(t, out[2].Error)
	assert.Empty(t, out[2].Skipped)

	_, err = All(ctx, p, 0, nil)
	require.Error(t, err)
}
