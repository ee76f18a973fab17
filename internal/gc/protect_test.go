package gc

import (
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

const (
	ok, failed                = ledger.OutcomeSucceeded, ledger.OutcomeFailed
	kindPromote, kindRollback = ledger.KindPromote, ledger.KindRollback
)

// rel is a validated release of image whose digest is named after its version.
func rel(image, version string) ledger.Release {
	return ledger.Release{Image: image, Version: version, Digest: "sha256:" + image + version, Status: ledger.StatusValidated}
}

// dep is a deployment of svc@version in env.
func dep(env, version, previous, kind, outcome string) ledger.Deployment {
	return ledger.Deployment{Env: env, Image: "svc", Version: version, Digest: "sha256:svc" + version,
		Previous: previous, Kind: kind, Outcome: outcome}
}

// envs are dev, qa and prod, each keeping keep rollback candidates and
// running svc.
func envs(keep int) []*config.Environment {
	var out []*config.Environment
	for _, name := range []string{"dev", "qa", "prod"} {
		out = append(out, &config.Environment{Name: name, Retention: config.Retention{Releases: keep},
			Targets: map[string]*config.Target{"svc": {}}})
	}
	return out
}

// svcHistory is svc's record: releases newest first, deployments newest
// first, and what each environment runs now (the newest succeeded
// deployment there, as the ledger's Current says).
func svcHistory(releases []ledger.Release, deps ...ledger.Deployment) History {
	h := History{Image: "svc", Releases: releases, Deployments: deps, Current: map[string]ledger.Deployment{}}
	for _, d := range deps {
		if _, seen := h.Current[d.Env]; !seen && d.Outcome == ok {
			h.Current[d.Env] = d
		}
	}
	return h
}

// recordedAt sets each release's recording time, in minutes after an epoch.
func recordedAt(rels []ledger.Release, minutes ...int) []ledger.Release {
	epoch := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range rels {
		rels[i].CreatedAt = epoch.Add(time.Duration(minutes[i]) * time.Minute)
	}
	return rels
}

func releases(image string, versions ...string) []ledger.Release {
	var out []ledger.Release
	for _, v := range versions {
		out = append(out, rel(image, v))
	}
	return out
}

// kept lists the kept releases as image@version, sorted.
func kept(p *Protection) []string {
	var out []string
	for _, k := range p.Kept {
		out = append(out, k.Image+"@"+k.Version)
	}
	sort.Strings(out)
	return out
}

func TestProtect(t *testing.T) {
	six := releases("svc", "1.5.0", "1.4.0", "1.3.0", "1.2.0", "1.1.0", "1.0.0")
	tests := []struct {
		name      string
		envs      []*config.Environment
		histories []History
		want      []string
	}{
		{
			name:      "nothing deployed: every validated release waits for dev",
			envs:      envs(1),
			histories: []History{svcHistory(releases("svc", "1.1.0", "1.0.0"))},
			want:      []string{"svc@1.0.0", "svc@1.1.0"},
		},
		{
			name: "current and the last K in each environment, newer releases pending",
			envs: envs(1),
			histories: []History{svcHistory(six,
				dep("dev", "1.3.0", "1.2.0", kindPromote, ok),
				dep("qa", "1.1.0", "1.0.0", kindPromote, ok),
				dep("dev", "1.2.0", "1.1.0", kindPromote, ok),
				dep("qa", "1.0.0", "", kindPromote, ok),
				dep("dev", "1.1.0", "1.0.0", kindPromote, ok),
				dep("dev", "1.0.0", "", kindPromote, ok),
			)},
			// dev: 1.3.0 runs, 1.2.0 candidate; qa: 1.1.0 runs, 1.0.0 candidate;
			// 1.4.0 and 1.5.0 wait for dev.
			want: []string{"svc@1.0.0", "svc@1.1.0", "svc@1.2.0", "svc@1.3.0", "svc@1.4.0", "svc@1.5.0"},
		},
		{
			name: "a hotfix recorded after a newer version entered dev waits for dev",
			envs: envs(1),
			histories: []History{svcHistory(recordedAt(releases("svc", "1.1.0", "1.0.1", "1.0.0"), 2, 3, 1),
				dep("dev", "1.1.0", "1.0.0", kindPromote, ok),
				dep("dev", "1.0.0", "", kindPromote, ok),
			)},
			want: []string{"svc@1.0.0", "svc@1.0.1", "svc@1.1.0"},
		},
		{
			name: "older releases go",
			envs: envs(1),
			histories: []History{svcHistory(releases("svc", "1.4.0", "1.3.0", "1.2.0", "1.1.0", "1.0.0"),
				dep("qa", "1.3.0", "", kindPromote, ok),
				dep("dev", "1.3.0", "1.2.0", kindPromote, ok),
				dep("dev", "1.2.0", "1.1.0", kindPromote, ok),
				dep("dev", "1.1.0", "1.0.0", kindPromote, ok),
				dep("dev", "1.0.0", "", kindPromote, ok),
			)},
			want: []string{"svc@1.2.0", "svc@1.3.0", "svc@1.4.0"},
		},
		{
			name: "K candidates, distinct versions, failed deployments do not count",
			envs: envs(2),
			histories: []History{svcHistory(releases("svc", "1.4.0", "1.3.0", "1.2.0", "1.1.0", "1.0.0"),
				dep("dev", "1.4.0", "1.2.0", kindPromote, ok),
				dep("dev", "1.3.0", "1.2.0", kindPromote, failed),
				dep("dev", "1.2.0", "1.1.0", kindPromote, ok),
				dep("dev", "1.1.0", "1.2.0", kindRollback, ok),
				dep("dev", "1.2.0", "1.1.0", kindPromote, ok),
				dep("dev", "1.1.0", "1.0.0", kindPromote, ok),
				dep("dev", "1.0.0", "", kindPromote, ok),
			)},
			// 1.2.0 was replaced most recently; a rollback moved away from it
			// once, but it was deployed again after, so `bake rollback` goes
			// back to it, then to 1.1.0.
			want: []string{"svc@1.1.0", "svc@1.2.0", "svc@1.4.0"},
		},
		{
			name: "after a rollback, the releases `bake rollback` walks back through",
			envs: envs(1),
			histories: []History{svcHistory(releases("svc", "1.3.0", "1.2.0", "1.1.0", "1.0.0"),
				dep("dev", "1.2.0", "1.3.0", kindRollback, ok),
				dep("dev", "1.3.0", "1.2.0", kindPromote, ok),
				dep("dev", "1.2.0", "1.1.0", kindPromote, ok),
				dep("dev", "1.1.0", "1.0.0", kindPromote, ok),
				dep("dev", "1.0.0", "", kindPromote, ok),
			)},
			// 1.3.0 is the most recent other release (and the newest); 1.1.0 is
			// where `bake rollback` goes next, skipping 1.3.0.
			want: []string{"svc@1.1.0", "svc@1.2.0", "svc@1.3.0"},
		},
		{
			name: "a failed release is never pending; the newest validated is kept",
			envs: envs(1),
			histories: []History{svcHistory([]ledger.Release{
				{Image: "svc", Version: "1.3.0", Status: ledger.StatusFailed},
				{Image: "svc", Version: "1.2.0", Status: ledger.StatusFailed},
				rel("svc", "1.1.0"), rel("svc", "1.0.0"), rel("svc", "0.9.0"),
			}, dep("dev", "1.0.0", "0.9.0", kindPromote, ok), dep("dev", "0.9.0", "", kindPromote, ok))},
			want: []string{"svc@0.9.0", "svc@1.0.0", "svc@1.1.0", "svc@1.3.0"},
		},
		{
			name: "a release that only failed to deploy is still pending",
			envs: envs(1),
			histories: []History{svcHistory(releases("svc", "1.3.0", "1.2.0", "1.1.0", "1.0.0"),
				dep("dev", "1.2.0", "1.1.0", kindPromote, failed),
				dep("dev", "1.1.0", "1.0.0", kindPromote, ok),
				dep("dev", "1.0.0", "", kindPromote, ok),
			)},
			want: []string{"svc@1.0.0", "svc@1.1.0", "svc@1.2.0", "svc@1.3.0"},
		},
		{
			name: "an image no environment runs keeps its newest release and the bases of kept releases",
			envs: envs(1),
			histories: []History{
				{Image: "debian", Releases: releases("debian", "1.2.0", "1.1.0", "1.0.0", "0.9.0")},
				svcHistory([]ledger.Release{
					withBase(rel("svc", "2.1.0"), "debian@1.1.0"), withBase(rel("svc", "2.0.0"), "debian@1.0.0"),
					withBase(rel("svc", "1.0.0"), "debian@0.9.0"),
				}, dep("dev", "2.0.0", "1.0.0", kindPromote, ok), dep("dev", "1.0.0", "", kindPromote, ok)),
			},
			want: []string{"debian@0.9.0", "debian@1.0.0", "debian@1.1.0", "debian@1.2.0", "svc@1.0.0", "svc@2.0.0", "svc@2.1.0"},
		},
		{
			name: "bases recursively",
			envs: envs(1),
			histories: []History{
				{Image: "os", Releases: releases("os", "2.0.0", "1.0.0", "0.1.0")},
				{Image: "runtime", Releases: []ledger.Release{rel("runtime", "2.0.0"), withBase(rel("runtime", "1.0.0"), "os@1.0.0"), rel("runtime", "0.1.0")}},
				svcHistory([]ledger.Release{withBase(rel("svc", "1.0.0"), "runtime@1.0.0")}, dep("prod", "1.0.0", "", kindPromote, ok)),
			},
			want: []string{"os@1.0.0", "os@2.0.0", "runtime@1.0.0", "runtime@2.0.0", "svc@1.0.0"},
		},
		{
			name: "releases sharing a kept artifact are kept",
			envs: envs(1),
			histories: []History{svcHistory([]ledger.Release{
				rel("svc", "1.3.0"), sameAs(rel("svc", "1.2.0"), "1.0.0"), rel("svc", "1.1.0"), rel("svc", "1.0.0"), rel("svc", "0.9.0"),
			},
				dep("dev", "1.3.0", "1.2.0", kindPromote, ok),
				dep("dev", "1.2.0", "1.1.0", kindPromote, ok),
				dep("dev", "1.1.0", "1.0.0", kindPromote, ok),
				dep("dev", "1.0.0", "0.9.0", kindPromote, ok),
				dep("dev", "0.9.0", "", kindPromote, ok),
			)},
			// 1.2.0 reused 1.0.0's artifact: keeping 1.2.0 keeps that digest.
			want: []string{"svc@1.0.0", "svc@1.2.0", "svc@1.3.0"},
		},
		{
			name: "the first environment that runs the image decides what is pending",
			envs: []*config.Environment{
				{Name: "dev", Retention: config.Retention{Releases: 1}},
				{Name: "qa", Retention: config.Retention{Releases: 1}, Targets: map[string]*config.Target{"svc": {}}},
			},
			histories: []History{svcHistory(releases("svc", "1.2.0", "1.1.0", "1.0.0", "0.9.0", "0.8.0"),
				dep("qa", "1.0.0", "0.9.0", kindPromote, ok), dep("qa", "0.9.0", "", kindPromote, ok))},
			want: []string{"svc@0.9.0", "svc@1.0.0", "svc@1.1.0", "svc@1.2.0"},
		},
		{
			name: "no retention set means the default",
			envs: []*config.Environment{{Name: "dev", Targets: map[string]*config.Target{"svc": {}}}},
			histories: []History{svcHistory(releases("svc", "1.4.0", "1.3.0", "1.2.0", "1.1.0", "1.0.0"),
				dep("dev", "1.4.0", "1.3.0", kindPromote, ok), dep("dev", "1.3.0", "1.2.0", kindPromote, ok),
				dep("dev", "1.2.0", "1.1.0", kindPromote, ok), dep("dev", "1.1.0", "1.0.0", kindPromote, ok),
				dep("dev", "1.0.0", "", kindPromote, ok))},
			want: []string{"svc@1.1.0", "svc@1.2.0", "svc@1.3.0", "svc@1.4.0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Protect(tt.envs, tt.histories)
			assert.Equal(t, tt.want, kept(got))
			for _, h := range tt.histories {
				for _, r := range h.Releases {
					want := false
					for _, k := range tt.want {
						want = want || k == r.Image+"@"+r.Version
					}
					assert.Equal(t, want, got.Release(r), "Release(%s@%s)", r.Image, r.Version)
				}
			}
		})
	}
}

func TestProtectReasons(t *testing.T) {
	h := svcHistory(releases("svc", "1.3.0", "1.2.0", "1.1.0", "1.0.0"),
		dep("qa", "1.1.0", "", kindPromote, ok),
		dep("dev", "1.2.0", "1.1.0", kindPromote, ok),
		dep("dev", "1.1.0", "1.0.0", kindPromote, ok),
		dep("dev", "1.0.0", "", kindPromote, ok),
	)
	got := Protect(envs(1), []History{h})
	reasons := map[string][]string{}
	for _, k := range got.Kept {
		reasons[k.Version] = k.Reasons
		assert.Equal(t, "sha256:svc"+k.Version, k.Digest)
	}
	assert.Equal(t, map[string][]string{
		"1.3.0": {"waiting to enter dev", "newest release"},
		"1.2.0": {"runs in dev"},
		"1.1.0": {"rollback candidate in dev", "runs in qa"},
	}, reasons)
	assert.True(t, got.Digest("sha256:svc1.1.0"))
	assert.False(t, got.Digest("sha256:svc1.0.0"))
	assert.False(t, got.Digest(""), "an empty digest is never protected")
}

func TestProtectKeepsACanaryUnderWay(t *testing.T) {
	started := dep("qa", "1.0.0", "", kindPromote, ledger.OutcomeStarted)
	started.Strategy = ledger.StrategyCanary
	step := started
	step.Outcome, step.Canary = ledger.OutcomeStep, &ledger.CanaryProgress{Step: 1, Steps: 2, Weight: 10, Held: true}
	h := svcHistory(releases("svc", "1.2.0", "1.1.0", "1.0.0"),
		step, started,
		dep("dev", "1.2.0", "1.1.0", kindPromote, ok),
		dep("dev", "1.1.0", "1.0.0", kindPromote, ok),
		dep("dev", "1.0.0", "", kindPromote, ok),
	)
	got := Protect(envs(1), []History{h})
	reasons := map[string][]string{}
	for _, k := range got.Kept {
		reasons[k.Version] = k.Reasons
	}
	assert.Equal(t, []string{"canary under way in qa"}, reasons["1.0.0"])
}

func TestCandidates(t *testing.T) {
	deps := []ledger.Deployment{
		dep("dev", "1.1.0", "1.3.0", kindRollback, ok),
		dep("dev", "1.3.0", "1.2.0", kindPromote, ok),
		dep("dev", "1.2.0", "1.1.0", kindPromote, ok),
		dep("dev", "1.1.0", "1.0.0", kindPromote, ok),
		dep("dev", "1.0.0", "0.9.0", kindPromote, ok),
		dep("dev", "0.9.0", "", kindPromote, ok),
	}
	versions := func(ds []ledger.Deployment) []string {
		out := []string{}
		for _, d := range ds {
			out = append(out, d.Version)
		}
		return out
	}
	assert.Equal(t, []string{"1.3.0", "1.2.0"}, versions(candidates(deps, "1.1.0", 1, nil)),
		"the most recent other release, and the one `bake rollback` picks")
	assert.Equal(t, []string{"1.3.0", "1.2.0", "1.0.0"}, versions(candidates(deps, "1.1.0", 2, nil)))
	assert.Equal(t, []string{"1.3.0", "1.2.0", "1.0.0", "0.9.0"}, versions(candidates(deps, "1.1.0", 10, nil)))
	assert.Empty(t, candidates(nil, "", 3, nil))
	assert.Equal(t, []string{"1.3.0", "1.0.0"}, versions(candidates(deps, "1.1.0", 1, map[string]bool{"1.2.0": true})),
		"a revoked release is no rollback candidate: the walk goes past it")
	assert.Equal(t, []string{"1.3.0"}, versions(candidates(history(deps, "1.3.0", "1.2.0"), "1.2.0", 1, nil)),
		"a release a rollback moved away from is a candidate again once it was deployed later")
}

// history adds, newest first, succeeded promotes of versions in dev on top of deps.
func history(deps []ledger.Deployment, versions ...string) []ledger.Deployment {
	running := deps[0].Version
	for _, v := range versions {
		deps = append([]ledger.Deployment{dep("dev", v, running, kindPromote, ok)}, deps...)
		running = v
	}
	return deps
}

func withBase(r ledger.Release, base string) ledger.Release {
	r.Base = base
	return r
}

// sameAs gives r the artifact of svc@version, as a release with unchanged inputs reuses it.
func sameAs(r ledger.Release, version string) ledger.Release {
	r.Digest = "sha256:svc" + version
	r.Provenance.ReusedFrom = "svc@" + version
	return r
}
