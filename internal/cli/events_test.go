package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/progress"
)

func TestStepsBecomeStepEvents(t *testing.T) {
	var out bytes.Buffer
	w := newEventWriter(&out).forImage("svc")
	progress.Say(w, "promoting %s", "svc@1.1.0")
	progress.Stepf(w, progress.Healthy, "%s is healthy", "r-1")
	progress.Mark(w, progress.Step{Kind: progress.Watch, Begins: true, Period: time.Minute, What: "svc@1.1.0"}, "watching svc@1.1.0 for 1m")
	progress.Mark(w, progress.Step{Kind: progress.Draining, Failed: true}, "warning: drain cut short; stopping the old replicas anyway")

	var got []map[string]any
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var ev map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &ev), sc.Text())
		assert.Equal(t, "bake.event/v1", ev["schema"])
		assert.Equal(t, "svc", ev["image"])
		delete(ev, "schema")
		delete(ev, "time")
		delete(ev, "image")
		got = append(got, ev)
	}
	assert.Equal(t, []map[string]any{
		{"event": "log", "text": "promoting svc@1.1.0"},
		{"event": "step", "phase": "healthy", "text": "r-1 is healthy"},
		{"event": "step", "phase": "watch", "state": "begins", "text": "watching svc@1.1.0 for 1m"},
		{"event": "step", "phase": "draining", "state": "failed", "text": "warning: drain cut short; stopping the old replicas anyway"},
	}, got)
}
