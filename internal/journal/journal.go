// Package journal keeps the local run journal: one line for every bake run
// that was about to create resources in AWS, written before it created
// any. `bake sweep --aws` removes only what runs in the journal (or the
// ledger) created, so a resource that merely carries bake's tags, made by
// anyone, is never removed on their word.
package journal

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Path is where a project's journal lives: next to the default ledger.
func Path(projectDir string) string { return filepath.Join(projectDir, ".bake", "operations") }

// Record appends operation, with when and a note (who ran it), to the
// journal at path, creating it (and its directory) as needed. The line is synced before Record returns, so a run
// killed right after still finds its resources sweepable.
func Record(path, operation, note string, at time.Time) error {
	if operation == "" || strings.ContainsAny(operation, " \t\n") {
		return fmt.Errorf("recording operation %q in %s: not an operation id", operation, path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("recording operation %s: %w", operation, err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("recording operation %s: %w", operation, err)
	}
	line := fmt.Sprintf("%s %s %s\n", operation, at.UTC().Format(time.RFC3339), strings.Join(strings.Fields(note), " "))
	_, err = f.WriteString(line)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("recording operation %s in %s: %w", operation, path, err)
	}
	return nil
}

// Read returns the operation ids the journal at path holds; none when
// there is no journal yet.
func Read(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the run journal: %w", err)
	}
	defer f.Close()
	ops := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) > 0 {
			ops[fields[0]] = true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the run journal %s: %w", path, err)
	}
	return ops, nil
}
