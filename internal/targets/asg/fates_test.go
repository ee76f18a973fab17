package asg

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/targets"
)

func TestFates(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g := func(v string, age int) Group {
		return Group{Name: "web-v" + v, Version: v, Created: at.Add(-time.Duration(age) * time.Hour)}
	}
	// 1.4.0 serves; 1.3.0 was rolled back from, so it is newer than what it replaced (1.2.0).
	groups := []Group{g("1.4.0", 0), g("1.3.0", 1), g("1.2.0", 2), g("1.1.0", 3), g("1.0.0", 3)}
	decide := func(keep string, releases int, previous string) map[string]targets.Fate {
		out := map[string]targets.Fate{}
		for _, f := range fates(groups, "web-v1.4.0", targets.Request{Keep: keep, Releases: releases}, previous) {
			out[f.group.Version] = f.what
		}
		return out
	}
	tests := []struct {
		name     string
		keep     string
		releases int
		previous string
		want     map[string]targets.Fate
	}{
		{"stopped, keep 2", config.KeepStopped, 2, "1.2.0",
			map[string]targets.Fate{"1.2.0": fateStop, "1.3.0": fateStop, "1.1.0": fateRemove, "1.0.0": fateRemove}},
		{"warm counts as kept", config.KeepWarm, 2, "1.2.0",
			map[string]targets.Fate{"1.2.0": fateWarm, "1.3.0": fateStop, "1.1.0": fateRemove, "1.0.0": fateRemove}},
		{"removed: the previous goes, older ones stay within retention", config.KeepRemoved, 1, "1.2.0",
			map[string]targets.Fate{"1.2.0": fateRemove, "1.3.0": fateStop, "1.1.0": fateRemove, "1.0.0": fateRemove}},
		{"default retention, same-instant groups by version", config.KeepStopped, 0, "1.3.0",
			map[string]targets.Fate{"1.3.0": fateStop, "1.2.0": fateStop, "1.1.0": fateStop, "1.0.0": fateRemove}},
		{"first deployment", config.KeepStopped, 1, "",
			map[string]targets.Fate{"1.3.0": fateStop, "1.2.0": fateRemove, "1.1.0": fateRemove, "1.0.0": fateRemove}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, decide(tt.keep, tt.releases, tt.previous))
		})
	}
}
