package progress

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// steps is a StepWriter that keeps what it is given.
type steps struct {
	bytes.Buffer
	got []string
}

func (s *steps) WriteStep(st Step, line string) error {
	s.got = append(s.got, fmt.Sprintf("%s begins=%v failed=%v period=%s what=%q: %s", st.Kind, st.Begins, st.Failed, st.Period, st.What, line))
	return nil
}

func TestAPlainWriterGetsThePlainLine(t *testing.T) {
	var b bytes.Buffer
	Stepf(&b, Healthy, "%s is healthy", "r-1")
	Mark(&b, Step{Kind: Watch, Begins: true, Period: time.Minute, What: "svc@1.1.0"}, "watching %s for %s", "svc@1.1.0", time.Minute)
	Say(&b, "warning: %v", "slow")
	assert.Equal(t, "r-1 is healthy\nwatching svc@1.1.0 for 1m0s\nwarning: slow\n", b.String())
}

func TestAStepWriterGetsTheStep(t *testing.T) {
	var s steps
	Stepf(&s, Healthy, "%s is healthy", "r-1")
	Mark(&s, Step{Kind: Watch, Begins: true, Period: 40 * time.Second, What: "svc@1.1.0"}, "watching %s", "svc@1.1.0")
	Mark(&s, Step{Kind: Draining, Failed: true}, "warning: cut short")
	Say(&s, "promoting %s", "svc@1.1.0")
	assert.Equal(t, []string{
		`healthy begins=false failed=false period=0s what="": r-1 is healthy`,
		`watch begins=true failed=false period=40s what="svc@1.1.0": watching svc@1.1.0`,
		`draining begins=false failed=true period=0s what="": warning: cut short`,
	}, s.got)
	assert.Equal(t, "promoting svc@1.1.0\n", s.String(), "a line that is no step is written as it is")
}

func TestNoWriterWritesNothing(t *testing.T) {
	assert.NotPanics(t, func() {
		Stepf(nil, Started, "started %s", "r-1")
		Say(nil, "nothing")
	})
}

func TestKindNames(t *testing.T) {
	var names []string
	for k := Started; k <= Retired; k++ {
		names = append(names, k.String())
	}
	assert.Equal(t, []string{"started", "healthy", "canary", "analysis", "switched", "watch", "draining", "retired"}, names)
}
