package cst

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A hostile image's file content test on a huge file (here 64 GiB, a sparse
// file on disk that reads as zeros) fails the test; bake reads none of it.
func TestFileContentTestOnHugeFileFailsWithinBoundedMemory(t *testing.T) {
	const size = 64 << 30
	path := filepath.Join(t.TempDir(), "layer.tar")
	var hdr bytes.Buffer // the header alone: its body is a hole in the file
	require.NoError(t, tar.NewWriter(&hdr).WriteHeader(&tar.Header{Name: "etc/passwd", Typeflag: tar.TypeReg, Mode: 0o644, Size: size}))
	f, err := os.Create(path)
	require.NoError(t, err)
	_, err = f.Write(hdr.Bytes())
	require.NoError(t, err)
	require.NoError(t, f.Truncate(int64(hdr.Len())+size))
	_, err = f.Seek(0, io.SeekEnd)
	require.NoError(t, err)
	tw := tar.NewWriter(f)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "etc/motd", Typeflag: tar.TypeSymlink, Linkname: "passwd", Mode: 0o777}))
	require.NoError(t, tw.Close())
	require.NoError(t, f.Close())

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fsys, err := ReadFilesystem(context.Background(), func() (io.ReadCloser, error) { return os.Open(path) },
		[]string{"/etc/passwd", "/etc/motd"})
	require.NoError(t, err)
	runtime.ReadMemStats(&after)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(MaxFileSize), "bytes allocated reading the image")

	for _, p := range []string{"/etc/passwd", "/etc/motd"} {
		detail, passed, err := checkContent(FileContentTest{Path: p, ExpectedContents: []string{"root"}}, fsys)
		require.NoError(t, err)
		assert.False(t, passed)
		assert.Equal(t, "reading "+p+": "+p+" is 68719476736 bytes, more than the 16 MiB a file content test reads", detail)
	}
}

// A file just over the bound fails the same way; one at the bound is read.
func TestFileContentTestBound(t *testing.T) {
	big := make([]byte, MaxFileSize+1)
	fsys, err := ReadFilesystem(context.Background(), opener(tarOf(t,
		entry{name: "over", typeflag: tar.TypeReg, mode: 0o644, body: string(big)},
		entry{name: "at", typeflag: tar.TypeReg, mode: 0o644, body: string(big[:MaxFileSize])},
	)), []string{"/over", "/at"})
	require.NoError(t, err)
	_, err = fsys.ReadFile("/over")
	assert.EqualError(t, err, "/over is 16777217 bytes, more than the 16 MiB a file content test reads")
	b, err := fsys.ReadFile("/at")
	require.NoError(t, err)
	assert.Len(t, b, MaxFileSize)
}
