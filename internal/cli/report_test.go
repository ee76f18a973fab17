package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/promote"
)

func TestJSONAsked(t *testing.T) {
	tests := []struct {
		args []string
		want bool
	}{
		{[]string{"status", "-o", "json"}, true},
		{[]string{"--output", "json", "status"}, true},
		{[]string{"status", "--output=json"}, true},
		{[]string{"status", "-ojson"}, true},
		{[]string{"status", "-o", "text"}, false},
		{[]string{"status", "-o"}, false},
		{[]string{"history", "--", "-o", "json"}, false},
		{[]string{"history", "json"}, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, jsonAsked(tt.args), "%q", tt.args)
	}
}

func TestReport(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		code  string
		exit  int
		hint  bool
		ctxOK bool
	}{
		{"failed", errors.New("engine said no"), "failed", ExitFailed, false, true},
		{"bad input", &usageError{"bad flag"}, "bad-input", ExitInput, false, true},
		{"unreachable engine has a hint", fmt.Errorf("%w at unix:///x.sock", engine.ErrUnreachable), "bad-input", ExitInput, true, true},
		{"refused", fmt.Errorf("promoting: %w", promote.ErrRefused), "refused", ExitRefused, false, true},
		{"locked", &ledger.LockedError{Key: "env/prod", Holder: "ci"}, "locked", ExitRefused, false, true},
		{"drift", fmt.Errorf("%w: differs", ErrDrift), "drift", ExitDrift, false, true},
		{"tampered", fmt.Errorf("%w: 2 problems", ErrTampered), "tampered", ExitDrift, false, true},
		{"interrupted", errors.New("context canceled"), "interrupted", ExitFailed, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			f := &Factory{Out: &out, Err: &errOut, Output: "json"}
			ctx, cancel := context.WithCancel(context.Background())
			if !tt.ctxOK {
				cancel()
			}
			defer cancel()
			exit := Report(ctx, f, tt.err)
			assert.Equal(t, tt.exit, exit)
			var doc errorDocument
			require.NoError(t, json.Unmarshal(out.Bytes(), &doc), out.String())
			assert.Equal(t, tt.code, doc.Error.Code)
			assert.Equal(t, tt.exit, doc.Error.Exit)
			assert.Equal(t, tt.hint, doc.Error.Hint != "")
			assert.Contains(t, errOut.String(), "bake: "+doc.Error.Message+"\n")
		})
	}

	t.Run("interrupted is said once", func(t *testing.T) {
		var out, errOut bytes.Buffer
		f := &Factory{Out: &out, Err: &errOut}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := errors.New("deployment failed: svc@1.1.0 to \"dev\": interrupted by Ctrl-C (SIGINT) before its replicas were proven healthy")
		assert.Equal(t, ExitFailed, Report(ctx, f, err))
		assert.Equal(t, 1, strings.Count(errOut.String(), "interrupted"), errOut.String())
	})

	t.Run("no document after a result, none in text", func(t *testing.T) {
		var out, errOut bytes.Buffer
		f := &Factory{Out: &out, Err: &errOut, Output: "json"}
		require.NoError(t, f.render(SchemaVersion, buildVersion{Version: "1.0.0"}, nil))
		before := out.String()
		assert.Equal(t, ExitDrift, Report(context.Background(), f, ErrDrift))
		assert.Equal(t, before, out.String())

		out.Reset()
		f = &Factory{Out: &out, Err: &errOut, Output: "text"}
		assert.Equal(t, ExitFailed, Report(context.Background(), f, errors.New("x")))
		assert.Empty(t, out.String())
	})
}
