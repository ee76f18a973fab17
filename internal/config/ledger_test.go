package config

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLedgerLocation(t *testing.T) {
	tests := []struct {
		name, value string
		want        string // p.Ledger; relative to the project directory unless it is a URL
		err         string // expected after "FILE:2:9: ledger: "
	}{
		{name: "relative path", value: "state/ledger.db", want: "state/ledger.db"},
		{name: "dynamodb", value: "dynamodb://bake-ledger?region=us-east-1", want: "dynamodb://bake-ledger?region=us-east-1"},
		{name: "dynamodb with endpoint", value: "dynamodb://bake-ledger?region=us-east-1&endpoint=http://127.0.0.1:5001",
			want: "dynamodb://bake-ledger?region=us-east-1&endpoint=http://127.0.0.1:5001"},
		{name: "dynamodb without slashes", value: "dynamodb:bake-ledger",
			err: "not a DynamoDB ledger URL: want dynamodb://TABLE?region=REGION"},
		{name: "dynamodb unknown parameter", value: "dynamodb://bake-ledger?regoin=us-east-1",
			err: `unknown parameter "regoin"; expected region or endpoint`},
		{name: "dynamodb bad table", value: "dynamodb://a?region=us-east-1",
			err: `table name "a" must be 3 to 255 letters, digits, '_', '-' or '.'`},
		{name: "dynamodb credentials", value: "dynamodb://AKIA:secret@bake-ledger",
			err: "credentials do not belong in the ledger URL: use AWS_PROFILE or the AWS_* environment"},
		{name: "other scheme", value: "s3://bucket/ledger.db",
			err: `unknown ledger URL scheme "s3"; expected a file path or dynamodb://TABLE?region=REGION`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeProject(t, edit(t, "images:\n", "ledger: "+tt.value+"\nimages:\n"))
			p, err := Load(path)
			if tt.err == "" {
				require.NoError(t, err)
				want := tt.want
				if !strings.Contains(want, "://") {
					want = filepath.Join(filepath.Dir(path), want)
				}
				assert.Equal(t, want, p.Ledger)
				return
			}
			require.ErrorIs(t, err, ErrInvalid)
			assert.Equal(t, path+":2:9: ledger: "+tt.err, err.Error())
			assert.NotContains(t, err.Error(), "secret")
		})
	}
}
