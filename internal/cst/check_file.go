package cst

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// executableBits are the mode bits each isExecutableBy value asks for.
var executableBits = map[string]fs.FileMode{"owner": 0o100, "group": 0o010, "other": 0o001, "any": 0o111}

// checkExistence answers a file existence test from the image's filesystem.
func checkExistence(t FileExistenceTest, fsys *Filesystem) (string, bool) {
	h, err := fsys.Lstat(t.Path)
	switch {
	case err != nil && !t.ShouldExist:
		return fmt.Sprintf("%s does not exist", t.Path), true
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("expected %s to exist", t.Path), false
	case err != nil:
		return fmt.Sprintf("expected %s to exist: %v", t.Path, err), false
	}
	mode := h.FileInfo().Mode()
	if !t.ShouldExist {
		return fmt.Sprintf("expected %s not to exist, found %s", t.Path, mode), false
	}
	var problems []string
	if t.Permissions != "" && mode.String() != t.Permissions {
		problems = append(problems, fmt.Sprintf("expected permissions %s, got %s", t.Permissions, mode))
	}
	if bits, ok := executableBits[t.IsExecutableBy]; ok && mode&bits == 0 {
		problems = append(problems, fmt.Sprintf("expected %s to be executable by %s, got %s", t.Path, t.IsExecutableBy, mode))
	}
	if t.UID != nil && h.Uid != *t.UID {
		problems = append(problems, fmt.Sprintf("expected uid %d, got %d", *t.UID, h.Uid))
	}
	if t.GID != nil && h.Gid != *t.GID {
		problems = append(problems, fmt.Sprintf("expected gid %d, got %d", *t.GID, h.Gid))
	}
	if len(problems) > 0 {
		return strings.Join(problems, "; "), false
	}
	return fmt.Sprintf("%s exists: %s %d:%d", t.Path, mode, h.Uid, h.Gid), true
}

// checkContent answers a file content test from the image's filesystem.
func checkContent(t FileContentTest, fsys *Filesystem) (string, bool, error) {
	b, err := fsys.ReadFile(t.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("expected %s to exist", t.Path), false, nil
	case err != nil:
		return fmt.Sprintf("reading %s: %v", t.Path, err), false, nil
	}
	problems, err := matchPatterns("contents", t.ExpectedContents, t.ExcludedContents, string(b))
	if err != nil || len(problems) > 0 {
		return strings.Join(problems, "; "), false, err
	}
	return fmt.Sprintf("%s: %d bytes as expected", t.Path, len(b)), true, nil
}
