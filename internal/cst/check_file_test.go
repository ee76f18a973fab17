package cst

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckExistence(t *testing.T) {
	fsys, err := ReadFilesystem(context.Background(), opener(debianLike(t)), nil)
	require.NoError(t, err)
	tests := []struct {
		name   string
		test   FileExistenceTest
		passed bool
		detail string
	}{
		{"exists", FileExistenceTest{Path: "/etc/passwd", ShouldExist: true},
			true, "/etc/passwd exists: -rw-r--r-- 0:0"},
		{"missing", FileExistenceTest{Path: "/etc/shadow", ShouldExist: true},
			false, "expected /etc/shadow to exist"},
		{"absent as it should be", FileExistenceTest{Path: "/etc/shadow"},
			true, "/etc/shadow does not exist"},
		{"present but should not be", FileExistenceTest{Path: "/bin/busybox"},
			false, "expected /bin/busybox not to exist, found -rwxr-xr-x"},
		{"permissions", FileExistenceTest{Path: "/usr/bin/busybox", ShouldExist: true, Permissions: "-rw-r--r--"},
			false, "expected permissions -rw-r--r--, got -rwxr-xr-x"},
		{"directory permissions", FileExistenceTest{Path: "/etc", ShouldExist: true, Permissions: "drwxr-xr-x"},
			true, "/etc exists: drwxr-xr-x 0:0"},
		{"owner and group", FileExistenceTest{Path: "/home/app/run", ShouldExist: true, UID: intp(0), GID: intp(1000)},
			false, "expected uid 0, got 1000"},
		{"executable by other", FileExistenceTest{Path: "/home/app/run", ShouldExist: true, IsExecutableBy: "other"},
			false, "expected /home/app/run to be executable by other, got -rwxr-x---"},
		{"executable by group", FileExistenceTest{Path: "/home/app/run", ShouldExist: true, IsExecutableBy: "group"},
			true, "/home/app/run exists: -rwxr-x--- 1000:1000"},
		{"every problem at once",
			FileExistenceTest{Path: "/etc/passwd", ShouldExist: true, Permissions: "-rwxr-xr-x", IsExecutableBy: "any", UID: intp(1), GID: intp(2)},
			false, "expected permissions -rwxr-xr-x, got -rw-r--r--; expected /etc/passwd to be executable by any, got -rw-r--r--; " +
				"expected uid 1, got 0; expected gid 2, got 0"},
		{"through a file", FileExistenceTest{Path: "/etc/passwd/x", ShouldExist: true},
			false, "expected /etc/passwd/x to exist: /etc/passwd/x: /etc/passwd is not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			detail, passed := checkExistence(tt.test, fsys)
			assert.Equal(t, tt.detail, detail)
			assert.Equal(t, tt.passed, passed)
		})
	}
}

func TestCheckContent(t *testing.T) {
	want := []string{"/etc/passwd", "/etc/os-release"}
	fsys, err := ReadFilesystem(context.Background(), opener(debianLike(t)), want)
	require.NoError(t, err)
	tests := []struct {
		name   string
		test   FileContentTest
		passed bool
		detail string
	}{
		{"matches", FileContentTest{Path: "/etc/passwd", ExpectedContents: []string{`^root:x:0:0:`}, ExcludedContents: []string{"nobody"}},
			true, "/etc/passwd: 30 bytes as expected"},
		{"through a link", FileContentTest{Path: "/etc/os-release", ExpectedContents: []string{`ID=debian`}},
			true, "/etc/os-release: 10 bytes as expected"},
		{"expected missing", FileContentTest{Path: "/etc/os-release", ExpectedContents: []string{`ID=ubuntu`}},
			false, `expected contents matching "ID=ubuntu", got "ID=debian"`},
		{"excluded found", FileContentTest{Path: "/etc/passwd", ExcludedContents: []string{`/bin/(ba)?sh`}},
			false, `expected contents not matching "/bin/(ba)?sh", found "/bin/sh"`},
		{"no file", FileContentTest{Path: "/etc/shadow", ExpectedContents: []string{"root"}},
			false, "expected /etc/shadow to exist"},
		{"a directory", FileContentTest{Path: "/etc"},
			false, "reading /etc: /etc is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			detail, passed, err := checkContent(tt.test, fsys)
			require.NoError(t, err)
			assert.Equal(t, tt.detail, detail)
			assert.Equal(t, tt.passed, passed)
		})
	}
	_, _, err = checkContent(FileContentTest{Path: "/etc/passwd", ExpectedContents: []string{"(1.2"}}, fsys)
	assert.ErrorContains(t, err, `invalid regular expression "(1.2"`)
}
