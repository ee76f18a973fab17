package cst

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds container-structure-test files to the loader: it must
// never panic, and every rejection must be ErrInvalid naming the file.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "..", "test", "testdata", "cst", "*.yaml"))
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("schemaVersion: 2.0.0\ncommandTests: [{name: x, command: ls, exitCode: 0}]\n"))
	f.Add([]byte("schemaVersion: '2.0.0'\nmetadataTest: {envVars: [{key: A, value: b, isRegex: true}], exposedPorts: ['80']}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Parse("checks.yaml", data)
		if err == nil {
			return
		}
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("error is not ErrInvalid: %v", err)
		}
		if !strings.HasPrefix(err.Error(), "checks.yaml") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}
