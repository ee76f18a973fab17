package adopt

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// stateFiles are what a build context that is the project directory must
// leave out: bake's ledger and key (which change with every release), git's
// own files (which change with every commit), bake.yaml (which changes
// when an environment does) and its schema (which changes with bake). Each
// would make every release's inputs new, so that unchanged sources would be
// rebuilt every time.
var stateFiles = []string{".bake/", ".git/", "bake.yaml", "bake.schema.json"}

// IgnoreState makes sure the .dockerignore of the project's build context
// leaves out stateFiles, when that context is the project directory itself.
// It reports whether it changed the file.
func IgnoreState(dir string, p Project) (bool, error) {
	if p.Context != "." {
		return false, nil
	}
	path := filepath.Join(dir, ".dockerignore")
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	have := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		have[strings.Trim(strings.TrimSpace(line), "/")] = true
	}
	var missing []string
	for _, f := range stateFiles {
		if !have[strings.Trim(f, "/")] {
			missing = append(missing, f)
		}
	}
	if len(missing) == 0 {
		return false, nil
	}
	if len(data) > 0 && !strings.HasSuffix(string(data), "\n") {
		data = append(data, '\n')
	}
	data = append(data, "# bake's state, git's files, bake.yaml and its schema are no inputs of the image\n"...)
	data = append(data, strings.Join(missing, "\n")+"\n"...)
	return true, os.WriteFile(path, data, 0o644)
}
