package ledger

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSortNewestFirst(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{
			name: "numeric not lexical",
			in:   []string{"1.2.0", "1.10.0", "1.9.0"},
			want: []string{"1.10.0", "1.9.0", "1.2.0"},
		},
		{
			name: "pre-release below its release",
			in:   []string{"1.2.0-rc.1", "1.2.0", "1.1.9"},
			want: []string{"1.2.0", "1.2.0-rc.1", "1.1.9"},
		},
		{
			name: "pre-release identifiers compare numerically",
			in:   []string{"2.0.0-rc.2", "2.0.0-rc.10", "2.0.0-beta", "2.0.0-rc.1"},
			want: []string{"2.0.0-rc.10", "2.0.0-rc.2", "2.0.0-rc.1", "2.0.0-beta"},
		},
		{
			name: "major dominates",
			in:   []string{"0.99.99", "10.0.0", "2.0.0"},
			want: []string{"10.0.0", "2.0.0", "0.99.99"},
		},
		{
			name: "unparsable last",
			in:   []string{"latest", "0.1.0"},
			want: []string{"0.1.0", "latest"},
		},
		{
			name: "empty",
			in:   []string{},
			want: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := make([]Release, len(tt.in))
			for i, v := range tt.in {
				rs[i] = Release{Image: "web", Version: v}
			}
			SortNewestFirst(rs)
			got := make([]string, len(rs))
			for i, r := range rs {
				got[i] = r.Version
			}
			assert.Equal(t, tt.want, got)
		})
	}
}
