package sweep

import (
	"testing"
	"time"
)

func TestSelectorMatch(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	labels := func(kind, project, op string, created time.Time) map[string]string {
		l := map[string]string{"dev.bake.kind": kind, "dev.bake.project": project, "dev.bake.operation": op}
		if !created.IsZero() {
			l["dev.bake.created"] = created.Format(time.RFC3339)
		}
		return l
	}
	hourAgo, minuteAgo := now.Add(-time.Hour), now.Add(-time.Minute)
	tests := []struct {
		name          string
		sel           Selector
		labels        map[string]string
		engineCreated time.Time
		want          bool
		wantCreated   time.Time
	}{
		{"old sandbox", Selector{Project: "web", OlderThan: time.Hour}, labels("sandbox", "web", "a1", hourAgo), time.Time{}, true, hourAgo},
		{"young sandbox", Selector{Project: "web", OlderThan: time.Hour}, labels("sandbox", "web", "a1", minuteAgo), time.Time{}, false, minuteAgo},
		{"zero ttl takes everything", Selector{Project: "web"}, labels("sandbox", "web", "a1", now), time.Time{}, true, now},
		{"other project", Selector{Project: "web"}, labels("sandbox", "api", "a1", hourAgo), time.Time{}, false, hourAgo},
		{"every project", Selector{OlderThan: time.Minute}, labels("sandbox", "api", "a1", hourAgo), time.Time{}, true, hourAgo},
		{"replica never", Selector{}, labels("replica", "web", "a1", hourAgo), time.Time{}, false, hourAgo},
		{"replica of the named operation never", Selector{Operation: "a1"}, labels("replica", "web", "a1", hourAgo), time.Time{}, false, hourAgo},
		{"named operation whatever its age", Selector{Operation: "a1", OlderThan: time.Hour}, labels("sandbox", "web", "a1", now), time.Time{}, true, now},
		{"other operation", Selector{Operation: "a1"}, labels("sandbox", "web", "b2", hourAgo), time.Time{}, false, hourAgo},
		{"no label: the engine's time", Selector{OlderThan: time.Minute}, labels("sandbox", "web", "a1", time.Time{}), hourAgo, true, hourAgo},
		{"unknown age is kept", Selector{}, labels("sandbox", "web", "a1", time.Time{}), time.Time{}, false, time.Time{}},
		{"unknown age with its operation named", Selector{Operation: "a1"}, labels("sandbox", "web", "a1", time.Time{}), time.Time{}, true, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			created, got := tt.sel.match(tt.labels, tt.engineCreated, now)
			if got != tt.want {
				t.Errorf("match = %v, want %v", got, tt.want)
			}
			if !created.Equal(tt.wantCreated) {
				t.Errorf("created = %v, want %v", created, tt.wantCreated)
			}
		})
	}
}
