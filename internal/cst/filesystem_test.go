package cst

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"io/fs"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// entry is one tar entry of a test filesystem.
type entry struct {
	name     string
	typeflag byte
	mode     int64
	uid, gid int
	link     string
	body     string
}

func tarOf(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typeflag, Mode: e.mode, Uid: e.uid, Gid: e.gid, Linkname: e.link}
		if e.typeflag == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		require.NoError(t, tw.WriteHeader(h))
		_, err := tw.Write([]byte(e.body))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	return buf.Bytes()
}

func opener(b []byte) Opener {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

// debianLike is a small merged-/usr tree with links of every kind.
func debianLike(t *testing.T) []byte {
	return tarOf(t,
		entry{name: "bin", typeflag: tar.TypeSymlink, link: "usr/bin", mode: 0o777},
		entry{name: "etc/", typeflag: tar.TypeDir, mode: 0o755},
		entry{name: "etc/os-release", typeflag: tar.TypeSymlink, link: "../usr/lib/os-release", mode: 0o777},
		entry{name: "etc/passwd", typeflag: tar.TypeReg, mode: 0o644, body: "root:x:0:0:root:/root:/bin/sh\n"},
		entry{name: "etc/loop", typeflag: tar.TypeSymlink, link: "/etc/loop", mode: 0o777},
		entry{name: "usr/bin/busybox", typeflag: tar.TypeReg, mode: 0o755, body: "ELF"},
		entry{name: "usr/bin/sh", typeflag: tar.TypeSymlink, link: "busybox", mode: 0o777},
		entry{name: "usr/bin/sh.hard", typeflag: tar.TypeLink, link: "usr/bin/busybox", mode: 0o755},
		entry{name: "usr/lib/os-release", typeflag: tar.TypeReg, mode: 0o644, body: "ID=debian\n"},
		entry{name: "home/app/run", typeflag: tar.TypeReg, mode: 0o750, uid: 1000, gid: 1000, body: "#!/bin/sh\n"},
	)
}

func TestFilesystemLstat(t *testing.T) {
	fsys, err := ReadFilesystem(context.Background(), opener(debianLike(t)), nil)
	require.NoError(t, err)
	tests := []struct {
		path     string
		mode     string
		uid      int
		notExist bool
		errText  string
	}{
		{path: "/", mode: "drwxr-xr-x"},
		{path: "/etc", mode: "drwxr-xr-x"},
		{path: "/etc/passwd", mode: "-rw-r--r--"},
		{path: "etc/./passwd", mode: "-rw-r--r--"},
		{path: "/bin", mode: "Lrwxrwxrwx"},                     // a final link is not followed
		{path: "/bin/busybox", mode: "-rwxr-xr-x"},             // a link on the way is
		{path: "/bin/sh", mode: "Lrwxrwxrwx"},                  // through /bin, to the link itself
		{path: "/usr/bin/sh.hard", mode: "-rwxr-xr-x"},         // a hard link is a file
		{path: "/home", mode: "drwxr-xr-x"},                    // only implied by /home/app/run
		{path: "/home/app/run", mode: "-rwxr-x---", uid: 1000}, // owner kept
		{path: "/usr/../etc/passwd", mode: "-rw-r--r--"},       // cleaned
		{path: "/etc/shadow", notExist: true},                  // absent
		{path: "/etc/passwd/x", errText: "not a directory"},    // through a file
		{path: "/etc/loop/x", errText: "too many levels"},      // a link to itself
		{path: "/bin/missing", notExist: true},                 // absent behind a link
		{path: "/etc/os-release", mode: "Lrwxrwxrwx"},          // relative link, not followed
		{path: "/usr/lib/os-release/..", errText: "not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			h, err := fsys.Lstat(tt.path)
			switch {
			case tt.notExist:
				assert.ErrorIs(t, err, fs.ErrNotExist)
			case tt.errText != "":
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.errText)
			default:
				require.NoError(t, err)
				assert.Equal(t, tt.mode, h.FileInfo().Mode().String())
				assert.Equal(t, tt.uid, h.Uid)
			}
		})
	}
}

func TestFilesystemReadsOnlyWantedFilesThroughLinks(t *testing.T) {
	want := []string{"/etc/passwd", "/etc/os-release", "/bin/sh", "/usr/bin/sh.hard", "/etc", "/nope"}
	fsys, err := ReadFilesystem(context.Background(), opener(debianLike(t)), want)
	require.NoError(t, err)
	assert.Len(t, fsys.contents, 3, "kept: %v", fsys.contents)

	for path, body := range map[string]string{
		"/etc/passwd":      "root:x:0:0:root:/root:/bin/sh\n",
		"/etc/os-release":  "ID=debian\n", // relative link, read on a second pass
		"/bin/sh":          "ELF",         // two links
		"/usr/bin/sh.hard": "ELF",         // hard link
	} {
		b, err := fsys.ReadFile(path)
		require.NoError(t, err, path)
		assert.Equal(t, body, string(b), path)
	}
	_, err = fsys.ReadFile("/etc")
	assert.ErrorContains(t, err, "/etc is a directory")
	_, err = fsys.ReadFile("/nope")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	_, err = fsys.ReadFile("/home/app/run")
	assert.ErrorContains(t, err, "contents were not read")
}

func TestSnapshotAppliesWhiteouts(t *testing.T) {
	base := tarOf(t,
		entry{name: "etc/", typeflag: tar.TypeDir, mode: 0o755},
		entry{name: "etc/secret", typeflag: tar.TypeReg, mode: 0o600, body: "token"},
		entry{name: "etc/motd", typeflag: tar.TypeReg, mode: 0o644, body: "old"},
		entry{name: "cache/", typeflag: tar.TypeDir, mode: 0o755},
		entry{name: "cache/a", typeflag: tar.TypeReg, mode: 0o644, body: "a"},
	)
	top := tarOf(t,
		entry{name: "etc/.wh.secret", typeflag: tar.TypeReg},
		entry{name: "etc/motd", typeflag: tar.TypeReg, mode: 0o644, body: "new"},
		entry{name: "cache/.wh..wh..opq", typeflag: tar.TypeReg},
		entry{name: "cache/b", typeflag: tar.TypeReg, mode: 0o644, body: "b"},
	)
	var layers []v1.Layer
	for _, b := range [][]byte{base, top} {
		l, err := tarball.LayerFromOpener(tarball.Opener(opener(b)))
		require.NoError(t, err)
		layers = append(layers, l)
	}
	img, err := mutate.AppendLayers(empty.Image, layers...)
	require.NoError(t, err)
	img, err = mutate.Config(img, v1.Config{Env: []string{"A=1"}, Entrypoint: []string{"/svc"}})
	require.NoError(t, err)

	snap, err := snapshotOf(context.Background(), img, []string{"/etc/motd"})
	require.NoError(t, err)
	assert.Equal(t, []string{"/svc"}, snap.Config.Entrypoint)
	_, err = snap.FS.Lstat("/etc/secret")
	assert.ErrorIs(t, err, fs.ErrNotExist, "whited out")
	_, err = snap.FS.Lstat("/cache/a")
	assert.ErrorIs(t, err, fs.ErrNotExist, "hidden by an opaque directory")
	_, err = snap.FS.Lstat("/cache/b")
	assert.NoError(t, err)
	b, err := snap.FS.ReadFile("/etc/motd")
	require.NoError(t, err)
	assert.Equal(t, "new", string(b))
}
