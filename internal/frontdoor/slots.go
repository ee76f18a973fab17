package frontdoor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Each upstream of a route is a slot: a file under
// <StateDir>/upstreams/<route id>/<index> holding "127.0.0.1:PORT". The
// route's dial addresses name these files as {file.PATH} placeholders, which
// Caddy reads on every request, so rewriting the files switches traffic
// without changing (and so reloading) Caddy's config.
const slotsDirName = "upstreams"

// slotDir is the directory holding the slots of route id.
func (c *Caddy) slotDir(id string) (string, error) {
	if c.StateDir == "" {
		return "", errors.New("no state dir for upstream files")
	}
	stateDir, err := filepath.Abs(c.StateDir)
	if err != nil {
		return "", fmt.Errorf("state dir %q: %w", c.StateDir, err)
	}
	// The path goes into a Caddy placeholder, where these are syntax.
	if strings.ContainsAny(stateDir, `{}\`) {
		return "", fmt.Errorf("state dir %q: must not contain '{', '}' or '\\'", stateDir)
	}
	return filepath.Join(stateDir, slotsDirName, id), nil
}

// slotDials returns the dial addresses of n slots in dir.
func slotDials(dir string, n int) []string {
	dials := make([]string, n)
	for i := range dials {
		dials[i] = "{file." + filepath.Join(dir, strconv.Itoa(i)) + "}"
	}
	return dials
}

// slotPath returns the file a dial address names, if it is a slot.
func slotPath(dial string) (string, bool) {
	path, ok := strings.CutPrefix(dial, "{file.")
	if !ok {
		return "", false
	}
	path, ok = strings.CutSuffix(path, "}")
	if !ok || !filepath.IsAbs(path) {
		return "", false
	}
	return path, true
}

// slotDirOf returns the slot directory of route id that dial points into.
func slotDirOf(dial, id string) (string, bool) {
	path, ok := slotPath(dial)
	if !ok {
		return "", false
	}
	dir := filepath.Dir(path)
	if filepath.Base(dir) != id || filepath.Base(filepath.Dir(dir)) != slotsDirName {
		return "", false
	}
	return dir, true
}

// writeSlots points slot i of dir at upstreams[i]. Each file is replaced by
// a rename, so Caddy reads either the old address or the new one.
func writeSlots(dir string, upstreams []string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating upstream files: %w", err)
	}
	for i, addr := range upstreams {
		if err := writeSlot(filepath.Join(dir, strconv.Itoa(i)), addr); err != nil {
			return err
		}
	}
	return nil
}

func writeSlot(path, addr string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".slot-*")
	if err != nil {
		return fmt.Errorf("writing upstream file: %w", err)
	}
	_, werr := tmp.WriteString(addr)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("writing upstream file %q: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("writing upstream file %q: %w", path, err)
	}
	return nil
}

// trimSlots removes the slot files of dir from index n on, once no config
// refers to them any more.
func trimSlots(dir string, n int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("reading upstream files: %w", err)
	}
	var errs []error
	for _, e := range entries {
		if i, err := strconv.Atoi(e.Name()); err == nil && i >= n {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// readDial returns the address a dial stands for: the content of its slot
// file, or the dial itself when it names no file.
func readDial(dial string) (string, error) {
	path, ok := slotPath(dial)
	if !ok {
		return dial, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading upstream file: %w", err)
	}
	return strings.TrimSpace(string(data)), nil
}
