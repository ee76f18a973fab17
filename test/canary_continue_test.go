package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCanaryContinueRefusals: `bake promote --continue` of a held canary
// is a promotion, judged first and bound to the steps it began with. With
// no traffic at all (so the held step cannot be judged):
//   - a locked environment refuses it (exit 3) and nothing changes;
//   - bake.yaml's steps changed since the canary began: exit 2, nothing changes;
//   - too few requests to judge: exit 3 with what it saw and the ways on, nothing changes;
//   - --unjudged goes on, and the next record and the outcome say so, who
//     asked and what was seen.
func TestCanaryContinueRefusals(t *testing.T) {
	p := canaryProject(t, "1.1.0", goodRelease, projectOptions{})
	mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev", "--step")
	assertHeld(t, p, "1.1.0", 1, 10)
	held := canaryHistory(t, p, "dev")
	cont := []string{"promote", "svc", "--env", "dev", "--continue"}
	lastLine := func(r result) string {
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		return lines[len(lines)-1]
	}
	unchanged := func(t *testing.T) {
		t.Helper()
		assertHeld(t, p, "1.1.0", 1, 10)
		assert.Equal(t, held, canaryHistory(t, p, "dev"), "nothing recorded")
	}

	t.Run("a freeze refuses it", func(t *testing.T) {
		mustBake(t, p.Dir, "lock", "dev", "--reason", "freeze")
		res := bake(t, p.Dir, cont...)
		assert.Equal(t, 3, res.code, res.String())
		assert.Contains(t, lastLine(res), `"dev" is locked by e2e since `)
		assert.Contains(t, lastLine(res), "freeze")
		unchanged(t)
		mustBake(t, p.Dir, "unlock", "dev")
	})

	t.Run("changed steps refuse it", func(t *testing.T) {
		for target, now := range map[string]string{
			"strategy: blue-green": "0 now: strategy blue-green",
			`strategy: canary, steps: [{weight: 10, pause: 6s}, {weight: 50, pause: 3s}, {weight: 80, pause: 3s}], analysis: {interval: 1s}`: "3 now",
		} {
			p.Target = target
			p.writeConfig(t)
			res := bake(t, p.Dir, cont...)
			assert.Equal(t, 2, res.code, res.String())
			assert.Equal(t, `bake: bake.yaml's steps for svc in "dev" changed since the canary began (2 steps then, `+now+
				"): restore them or `bake abort svc --env dev`", lastLine(res))
		}
		p.Target = canarySteps
		p.writeConfig(t)
		unchanged(t)
	})

	t.Run("too few requests refuse it", func(t *testing.T) {
		res := bake(t, p.Dir, cont...)
		assert.Equal(t, 3, res.code, res.String())
		line := lastLine(res)
		assert.Contains(t, line, "cannot be judged at step 1/2 (10%): too few requests yet: 0 to the canary, 0 to the baseline (min_requests 50 each); it stays held")
		assert.Contains(t, line, "`bake abort svc --env dev`")
		assert.Contains(t, line, "`bake promote svc --env dev --continue --unjudged`")
		unchanged(t)
	})

	res := mustBake(t, p.Dir, append(cont, "--unjudged", "--step")...)
	assert.Contains(t, res.stderr, "unjudged")
	assertHeld(t, p, "1.1.0", 2, 50)
	step := canaryHistory(t, p, "dev")[0]
	assert.Equal(t, "went on from step 1/2 (10%) unjudged, as e2e asked (--unjudged): too few requests yet: 0 to the canary, 0 to the baseline (min_requests 50 each)", step.Reason)
	require.NotEmpty(t, step.Analysis, "what the held step served is recorded")
	assert.Equal(t, "requests", step.Analysis[0].Name)

	res = mustBake(t, p.Dir, append(cont, "--unjudged")...)
	assert.Contains(t, res.stdout, "promoted svc in dev to 1.1.0")
	assertStatus(t, p, "dev", "1.1.0")
	done := canaryHistory(t, p, "dev")[0]
	assert.Equal(t, "succeeded", done.Outcome)
	assert.Contains(t, done.Reason, "went on from step 2/2 (50%) unjudged, as e2e asked")
	assert.NotEmpty(t, done.Analysis)
	assert.Contains(t, mustBake(t, p.Dir, "history", "svc", "--env", "dev").stdout, "unjudged, as e2e asked")
}

// continueJudged runs `bake promote svc --env dev --continue` with args
// as a person would: refused while the held step has too few requests to
// judge, it lets the canary serve longer and continues again (at most 15
// times, a second apart), and fails the test unless it exits 0 at last.
func continueJudged(t *testing.T, p *project, args ...string) result {
	t.Helper()
	for range 15 {
		res := bake(t, p.Dir, append([]string{"promote", "svc", "--env", "dev", "--continue"}, args...)...)
		if res.code != 3 || !strings.Contains(res.stderr, "cannot be judged") {
			require.Equal(t, 0, res.code, res.String())
			return res
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("the held step was never judged")
	return result{}
}
