package version

import (
	"testing"

	"github.com/Masterminds/semver/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseBump(t *testing.T) {
	tests := []struct {
		in      string
		want    Bump
		wantErr bool
	}{
		{in: "", want: Auto},
		{in: "auto", want: Auto},
		{in: "major", want: Major},
		{in: "Minor", want: Minor},
		{in: "patch", want: Patch},
		{in: "huge", wantErr: true},
		{in: "none", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseBump(tt.in)
			if tt.wantErr {
				assert.ErrorIs(t, err, ErrInvalid)
				assert.ErrorContains(t, err, `bump "`+tt.in+`" is not auto|major|minor|patch`)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestBumpString(t *testing.T) {
	for _, b := range []Bump{Auto, Patch, Minor, Major} {
		got, err := ParseBump(b.String())
		require.NoError(t, err)
		assert.Equal(t, b, got)
	}
	assert.Equal(t, "Bump(9)", Bump(9).String())
}

func TestBumpApply(t *testing.T) {
	tests := []struct {
		from string // "" is no previous version
		bump Bump
		want string
	}{
		{from: "", bump: Patch, want: "0.0.1"},
		{from: "", bump: Minor, want: "0.1.0"},
		{from: "", bump: Major, want: "1.0.0"},
		{from: "1.2.3", bump: Patch, want: "1.2.4"},
		{from: "1.2.3", bump: Auto, want: "1.2.4"},
		{from: "1.2.3", bump: Minor, want: "1.3.0"},
		{from: "1.2.3", bump: Major, want: "2.0.0"},
		{from: "1.2.3+build.1", bump: Patch, want: "1.2.4"},
		{from: "2.0.0-rc.1", bump: Patch, want: "2.0.0"},
		{from: "18446744073709551615.0.0", bump: Major, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.from+" "+tt.bump.String(), func(t *testing.T) {
			var from *semver.Version
			if tt.from != "" {
				from = mustParse(tt.from)
			}
			got, err := tt.bump.apply(from)
			if tt.want == "" {
				assert.ErrorIs(t, err, ErrInvalid)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.String())
		})
	}
}
