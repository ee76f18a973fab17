package liveview

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func showTwice(t *testing.T, mode Mode, colour bool) string {
	t.Helper()
	var out bytes.Buffer
	when := time.Date(2026, 12, 7, 3, 4, 5, 0, time.Local)
	r := &Refresher{Out: &out, Mode: mode, Title: "bake status", Every: 2 * time.Second, Colour: colour,
		Now: func() time.Time { return when }}
	for i := range 2 {
		doc := map[string]int{"refresh": i}
		require.NoError(t, r.Show(doc, func(w io.Writer) error {
			_, err := fmt.Fprintf(w, "refresh %d\n", i)
			return err
		}))
	}
	return out.String()
}

func TestRefresherModes(t *testing.T) {
	assert.Equal(t, "bake status at 2026-12-07 03:04:05\nrefresh 0\n\nbake status at 2026-12-07 03:04:05\nrefresh 1\n",
		showTwice(t, Plain, false), "plain: one refresh under the other")

	lines := strings.Split(strings.TrimSpace(showTwice(t, JSONLines, false)), "\n")
	require.Len(t, lines, 2, "one JSON document per line")
	for i, l := range lines {
		var doc map[string]int
		require.NoError(t, json.Unmarshal([]byte(l), &doc))
		assert.Equal(t, i, doc["refresh"])
	}

	term := showTwice(t, Terminal, false)
	assert.Equal(t, "\x1b[H\x1b[2Jbake status every 2s at 2026-12-07 03:04:05; Ctrl-C to stop\n\nrefresh 0\n"+
		"\x1b[H\x1b[2Jbake status every 2s at 2026-12-07 03:04:05; Ctrl-C to stop\n\nrefresh 1\n", term)
	assert.Contains(t, showTwice(t, Terminal, true), "\x1b[2mbake status every 2s", "a faint header with colour")
}

func TestRunEndsOnCancelWithoutError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	var warned []error
	err := Run(ctx, 5*time.Millisecond, func(context.Context) error {
		n++
		switch n {
		case 2:
			return errors.New("ledger busy")
		case 4:
			cancel()
			return context.Canceled
		}
		return nil
	}, func(err error) { warned = append(warned, err) })
	assert.NoError(t, err, "Ctrl-C is how a watch ends")
	assert.Equal(t, 4, n)
	assert.Equal(t, []error{errors.New("ledger busy")}, warned, "a later failure is a warning and the watch goes on")
}

func TestRunStopsOnAFirstError(t *testing.T) {
	bad := errors.New(`unknown image "nope"`)
	err := Run(context.Background(), time.Millisecond, func(context.Context) error { return bad }, func(error) {
		t.Fatal("the first refresh's error is no warning")
	})
	assert.ErrorIs(t, err, bad)
}
