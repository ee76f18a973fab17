package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/bakehq/bake/internal/config"
)

func TestConfirm(t *testing.T) {
	tests := []struct {
		name     string
		yes      bool
		terminal bool
		input    string
		exit     int // of the error; 0 for none
		asked    bool
	}{
		{"--yes", true, false, "", 0, false},
		{"--yes on a terminal", true, true, "", 0, false},
		{"no terminal", false, false, "y\n", ExitInput, false},
		{"y", false, true, "y\n", 0, true},
		{"YES", false, true, " YES \n", 0, true},
		{"n", false, true, "n\n", ExitFailed, true},
		{"enter", false, true, "\n", ExitFailed, true},
		{"end of input", false, true, "", ExitFailed, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errOut bytes.Buffer
			f := &Factory{In: strings.NewReader(tt.input), Err: &errOut, Yes: tt.yes, InTerminal: tt.terminal}
			err := f.confirm("bake gc: remove things")
			assert.Equal(t, tt.exit, ExitCode(err), "%v", err)
			assert.Equal(t, tt.asked, strings.Contains(errOut.String(), "bake gc: remove things? [y/N] "), errOut.String())
		})
	}
}

func TestConfirmProtected(t *testing.T) {
	p := &config.Project{Environments: []*config.Environment{{Name: "dev"}, {Name: "prod", Protected: true}}}
	f := &Factory{In: strings.NewReader(""), Err: &bytes.Buffer{}}
	assert.NoError(t, f.confirmProtected(p, "dev", "deploy"))
	assert.NoError(t, f.confirmProtected(p, "staging", "deploy"), "an unknown environment is left to the command to refuse")
	err := f.confirmProtected(p, "prod", "deploy")
	assert.Equal(t, ExitInput, ExitCode(err))
	assert.EqualError(t, err, `deploy ("prod" is protected): confirmation needed and stdin is not a terminal: pass --yes to go ahead`)
}
