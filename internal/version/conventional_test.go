package version

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseCommit(t *testing.T) {
	tests := []struct {
		message     string
		wantBump    Bump
		wantSubject string
	}{
		{message: "fix: handle empty body", wantBump: Patch},
		{message: "feat: add /metrics", wantBump: Minor},
		{message: "feat(api): add /metrics", wantBump: Minor},
		{message: "Feat: capitalised type", wantBump: Minor},
		{message: "feat!: drop /v1", wantBump: Major},
		{message: "feat(api)!: drop /v1", wantBump: Major},
		{message: "fix!: change the default port", wantBump: Major},
		{message: "chore(deps)!: require debian 12", wantBump: Major},
		{message: "docs: readme", wantBump: Patch},
		{message: "update stuff", wantBump: Patch},
		{message: "feature: not the feat type", wantBump: Patch},
		{message: "feat add metrics", wantBump: Patch},
		{message: "feat:no space is not conventional", wantBump: Patch},
		{message: "Merge branch 'main' into topic", wantBump: Patch},
		{message: "fix: x\n\nBREAKING CHANGE: the port is now 8080", wantBump: Major, wantSubject: "fix: x"},
		{message: "feat: y\n\nsome text\n\nBREAKING-CHANGE: config moved", wantBump: Major, wantSubject: "feat: y"},
		{message: "fix: x\r\n\r\nBREAKING CHANGE: windows line endings", wantBump: Major, wantSubject: "fix: x"},
		{message: "fix: x\n\nbreaking change: lower case is not the token", wantBump: Patch, wantSubject: "fix: x"},
		{message: "fix: x\n\nnot a BREAKING CHANGE: mid-line", wantBump: Patch, wantSubject: "fix: x"},
		{message: "\n\n  feat: leading blank lines\n", wantBump: Minor, wantSubject: "feat: leading blank lines"},
		{message: "", wantBump: Patch},
	}
	for _, tt := range tests {
		t.Run(tt.message, func(t *testing.T) {
			got := parseCommit(tt.message)
			assert.Equal(t, tt.wantBump, got.bump)
			if tt.wantSubject == "" {
				tt.wantSubject = tt.message
			}
			assert.Equal(t, tt.wantSubject, got.subject)
		})
	}
}
