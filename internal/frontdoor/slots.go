package frontdoor

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// A door has two banks of upstream slots, "a" and "b": files
// <door>/<bank>/<index> holding "127.0.0.1:PORT", which Caddy reads on every
// request through the {file.*} placeholders of its dial addresses. The file
// <door>/live names the bank in traffic.
const (
	bankA        = "a"
	bankB        = "b"
	liveFileName = "live"
	// listFileName holds, in each bank, every distinct upstream it sends
	// traffic to (all that an older bake wrote).
	listFileName = "upstreams.json"
	// splitFileName holds, in each bank, the split it was given.
	splitFileName = "split.json"

	// slotsPerBank is how many slots a bank has: n upstreams fill them
	// round-robin (slot i holds upstream i mod n), so every count of
	// upstreams fits without a config change. 120 is a multiple of 1 to 6,
	// 8, 10, 12, 15 and 20, which then get the same share of the traffic;
	// other counts differ by at most one slot. A split gives the canary
	// its weight's share of them, to within 0.42 percentage points.
	slotsPerBank = 120
)

// otherBank returns the bank that is not b.
func otherBank(b string) string {
	if b == bankA {
		return bankB
	}
	return bankA
}

// liveBank returns the bank in traffic: the content of the live file, where
// anything but "a" means "b", as in the door's config.
func liveBank(d door) (string, error) {
	data, err := os.ReadFile(d.path(liveFileName))
	if err != nil {
		return "", fmt.Errorf("reading front door: %w", err)
	}
	if strings.TrimSpace(string(data)) == bankA {
		return bankA, nil
	}
	return bankB, nil
}

// writeBank points the slots of bank at the normal split s, records it, and
// says whether the requests sent to the bank are logged.
// Each file is replaced by a rename, so Caddy reads either the old address
// or the new one.
func writeBank(d door, bank string, s Split) error {
	dir := d.path(bank)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating upstream files: %w", err)
	}
	for i, u := range s.slots() {
		if err := writeFile(filepath.Join(dir, strconv.Itoa(i)), []byte(u)); err != nil {
			return fmt.Errorf("writing upstream file: %w", err)
		}
	}
	if err := writeJSON(filepath.Join(dir, listFileName), s.inTraffic()); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(dir, splitFileName), s); err != nil {
		return err
	}
	return writeLogSwitch(d, bank, s.logged())
}

// readBank returns the split bank was last given. A bank an older bake
// wrote has only the list of its upstreams, all stable; so has one whose
// split file no longer matches that list, which an older bake rewrote.
func readBank(d door, bank string) (Split, error) {
	data, err := os.ReadFile(filepath.Join(d.path(bank), listFileName))
	if err != nil {
		return Split{}, fmt.Errorf("reading front door upstreams: %w", err)
	}
	var ups []string
	if err := json.Unmarshal(data, &ups); err != nil {
		return Split{}, fmt.Errorf("reading front door upstreams: %w", err)
	}
	if len(ups) == 0 {
		return Split{}, errors.New("reading front door upstreams: none recorded")
	}
	if s, ok := readSplit(d, bank); ok && slices.Equal(s.inTraffic(), ups) {
		return s, nil
	}
	return Split{Stable: ups}, nil
}

// readSplit reads the split file of bank, if it was written after the
// bank's list, as writeBank does.
func readSplit(d door, bank string) (Split, bool) {
	var s Split
	list, lerr := os.Stat(filepath.Join(d.path(bank), listFileName))
	path := filepath.Join(d.path(bank), splitFileName)
	info, err := os.Stat(path)
	if err != nil || lerr != nil || info.ModTime().Before(list.ModTime()) {
		return s, false
	}
	data, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(data, &s) != nil {
		return s, false
	}
	return s, true
}

// setLive puts bank into traffic.
func setLive(d door, bank string) error {
	return writeFile(d.path(liveFileName), []byte(bank))
}

// slotBank returns the bank a dial address (as Caddy reports it) of door d
// belongs to, if any.
func slotBank(d door, address string) (string, bool) {
	path, ok := strings.CutPrefix(address, "{file.")
	if !ok {
		return "", false
	}
	path, ok = strings.CutSuffix(path, "}")
	if !ok {
		return "", false
	}
	rel, err := filepath.Rel(d.dir, path)
	if err != nil {
		return "", false
	}
	bank, index, ok := strings.Cut(rel, string(filepath.Separator))
	if !ok || (bank != bankA && bank != bankB) {
		return "", false
	}
	if _, err := strconv.Atoi(index); err != nil {
		return "", false
	}
	return bank, true
}
