package frontdoor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// A door logs only the requests it sends to a bank holding a canary's
// split (0 < weight < 100): bake reads the log only to tell a canary's
// requests from the baseline's, and a line per request costs the door
// about a quarter of its throughput (TestAccessLogCost).
//
// Each bank has a file <door>/<bank>/log saying "on" or "off", written
// with the bank's slots, before the live file names it. Before the proxy,
// a bank's route reads its own file, through a {file.*} placeholder as the
// slots are read, and an "off" sets Caddy's log_skip variable: the request
// gets no line. So whether a request is logged is decided as it enters a
// bank, by the split that bank holds, whatever the live file says when it
// finishes: every request a split sent somewhere is logged, those still in
// flight when a switch ends the split included (the last ones of a step,
// which an analysis after the switch may count), and none that a plain
// bank sent. No config change is needed to turn the log on or off, and no
// grace period: a request cannot read one bank's switch and go to the
// other bank.
const (
	logSwitchFileName = "log"
	logOn             = "on"
	logOff            = "off"
	// logSkipVar is the request variable that keeps a request out of the
	// access log when true (Caddy's log_skip directive sets it).
	logSkipVar = "log_skip"
)

// logged reports whether a bank holding the split s logs its requests:
// only while the canary has a share and the stable side the rest.
func (s Split) logged() bool {
	return len(s.normal().Canary) > 0
}

// writeLogSwitch says in bank whether the requests it is sent are logged.
func writeLogSwitch(d door, bank string, on bool) error {
	value := logOff
	if on {
		value = logOn
	}
	if err := writeFile(filepath.Join(d.path(bank), logSwitchFileName), []byte(value)); err != nil {
		return fmt.Errorf("writing the access log switch: %w", err)
	}
	return nil
}

// ensureLogSwitches gives each bank of d that has none (a door an older
// bake wrote) the log switch of the split it holds, before the door's
// Caddy gets a config that reads them: a missing file would cost an error
// line in caddy.log for every request. A bank that cannot be read logs.
func ensureLogSwitches(d door) error {
	for _, bank := range []string{bankA, bankB} {
		_, err := os.Stat(filepath.Join(d.path(bank), logSwitchFileName))
		if err == nil {
			continue
		}
		if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("reading the access log switch: %w", err)
		}
		if err := os.MkdirAll(d.path(bank), 0o700); err != nil {
			return fmt.Errorf("creating upstream files: %w", err)
		}
		s, err := readBank(d, bank)
		if err := writeLogSwitch(d, bank, err != nil || s.logged()); err != nil {
			return err
		}
	}
	return nil
}

// subroute is Caddy's subroute handler: its routes run in order, then the
// handlers after it.
type subroute struct {
	Handler string        `json:"handler"`
	Routes  []serverRoute `json:"routes"`
}

// varsHandler sets request variables.
type varsHandler map[string]any

// skipLogUnlessSplit is the first handler of bank's route in door d: it
// keeps the request out of the access log when the bank's switch is off.
func skipLogUnlessSplit(d door, bank string) subroute {
	path := placeholder(filepath.Join(d.path(bank), logSwitchFileName))
	return subroute{Handler: "subroute", Routes: []serverRoute{{
		Match:  []matcher{{Vars: map[string][]string{path: {logOff}}}},
		Handle: []any{varsHandler{"handler": "vars", logSkipVar: true}},
	}}}
}
