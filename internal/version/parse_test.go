package version

import (
	"testing"

	"github.com/Masterminds/semver/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{in: "1.2.3", want: "1.2.3"},
		{in: "0.0.0", want: "0.0.0"},
		{in: "10.20.30", want: "10.20.30"},
		{in: "1.2.3-rc.1", want: "1.2.3-rc.1"},
		{in: "1.2.3+build.7", want: "1.2.3+build.7"},
		{in: "1.2.3-beta+sha.abc", want: "1.2.3-beta+sha.abc"},
		{in: "", wantErr: `version "" is not X.Y.Z semver: it is empty; give one such as 1.2.0`},
		{in: "1.2", wantErr: `version "1.2" is not X.Y.Z semver: give three numbers such as 1.2.0, optionally with a pre-release such as 1.2.0-rc.1`},
		{in: "1", wantErr: `version "1" is not X.Y.Z semver`},
		{in: "v1.2.3", wantErr: `version "v1.2.3" is not X.Y.Z semver: drop the leading "v"`},
		{in: "01.2.3", wantErr: `version "01.2.3" is not X.Y.Z semver: a number may not start with 0 (1.2.3, not 01.2.3)`},
		{in: "1.2.x", wantErr: `version "1.2.x" is not X.Y.Z semver`},
		{in: " 1.2.3", wantErr: `version " 1.2.3" is not X.Y.Z semver`},
		{in: "1.2.3-", wantErr: `version "1.2.3-" is not X.Y.Z semver: the part after - must be`},
		{in: "1.2.3+", wantErr: `version "1.2.3+" is not X.Y.Z semver: the part after + must be`},
		{in: "latest", wantErr: `version "latest" is not X.Y.Z semver`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrInvalid)
				assert.ErrorContains(t, err, tt.wantErr)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.String())
		})
	}
}

func TestHighest(t *testing.T) {
	tests := []struct {
		name string
		in   []*semver.Version
		want string
	}{
		{name: "none", in: nil, want: ""},
		{name: "only nil", in: []*semver.Version{nil}, want: ""},
		{name: "numeric not lexical", in: vs("1.9.0", "1.10.0", "1.2.0"), want: "1.10.0"},
		{name: "release above its prerelease", in: vs("2.0.0-rc.1", "2.0.0"), want: "2.0.0"},
		{name: "nil ignored", in: []*semver.Version{nil, mustParse("0.1.0")}, want: "0.1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Highest(tt.in...)
			if tt.want == "" {
				assert.Nil(t, got)
				return
			}
			assert.Equal(t, tt.want, got.String())
		})
	}
}

func TestTagName(t *testing.T) {
	assert.Equal(t, "hello/v1.2.3", TagName("hello", mustParse("1.2.3")))
	assert.Equal(t, "web/v0.1.0-rc.1", TagName("web", mustParse("0.1.0-rc.1")))
}

// mustParse is Parse for versions known to be valid.
func mustParse(s string) *semver.Version {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

func vs(in ...string) []*semver.Version {
	out := make([]*semver.Version, len(in))
	for i, s := range in {
		out[i] = mustParse(s)
	}
	return out
}
