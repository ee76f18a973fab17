package cst

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// maxLinks bounds the symbolic links followed while resolving one path, as
// the kernel's ELOOP does.
const maxLinks = 40

// MaxFileSize bounds what a file content test reads out of an image: a
// hostile image's huge or sparse file (a tar header can claim terabytes
// that are mostly holes) fails the test instead of filling bake's memory.
const MaxFileSize = 16 << 20

// errNotDir is a path that goes through something that is not a directory.
var errNotDir = errors.New("not a directory")

// Filesystem is an index of an image's flattened filesystem: the tar header
// of every path, and the contents of the few files asked for when it was
// read.
type Filesystem struct {
	entries  map[string]*tar.Header // cleaned absolute path -> header
	implied  map[string]bool        // directories that only appear as parents
	contents map[string][]byte      // resolved path -> contents
	tooLarge map[string]int64       // resolved path -> size, for files over MaxFileSize
}

// Opener returns a fresh reader of a flattened filesystem as a tar stream.
type Opener func() (io.ReadCloser, error)

// ReadFilesystem indexes the tar stream open returns and keeps the contents
// of the files in want. A wanted path that is a link is read where it
// leads, which may take a second pass over the stream.
func ReadFilesystem(ctx context.Context, open Opener, want []string) (*Filesystem, error) {
	f := &Filesystem{entries: map[string]*tar.Header{}, implied: map[string]bool{}, contents: map[string][]byte{}, tooLarge: map[string]int64{}}
	keep := map[string]bool{}
	for _, w := range want {
		keep[clean(w)] = true
	}
	if err := f.scan(ctx, open, keep, true); err != nil {
		return nil, err
	}
	more := map[string]bool{}
	for _, w := range want {
		if p, h, err := f.resolveFile(w); err == nil && h.Typeflag != tar.TypeDir && f.contents[p] == nil && f.tooLarge[p] == 0 {
			more[p] = true
		}
	}
	if len(more) == 0 {
		return f, nil
	}
	return f, f.scan(ctx, open, more, false)
}

// scan reads the stream once, indexing headers when index is set and
// keeping the contents of the regular files in keep.
func (f *Filesystem) scan(ctx context.Context, open Opener, keep map[string]bool, index bool) error {
	rc, err := open()
	if err != nil {
		return fmt.Errorf("reading image filesystem: %w", err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading image filesystem: %w", err)
		}
		p := clean(h.Name)
		if index {
			f.entries[p] = h
			for dir := path.Dir(p); dir != "/"; dir = path.Dir(dir) {
				f.implied[dir] = true
			}
		}
		if keep[p] && h.Typeflag == tar.TypeReg {
			if h.Size > MaxFileSize {
				f.tooLarge[p] = h.Size
				continue
			}
			// The header's size is what the reader yields, sparse or not;
			// the limit holds even so.
			b, err := io.ReadAll(io.LimitReader(tr, MaxFileSize+1))
			if err != nil {
				return fmt.Errorf("reading %s from image filesystem: %w", p, err)
			}
			if len(b) > MaxFileSize {
				f.tooLarge[p] = int64(len(b))
				continue
			}
			f.contents[p] = b
		}
	}
}

// Lstat returns the header of p, following symbolic links on the way but
// not a final one, as lstat(2) does. Directories that the image only has
// implicitly (parents of other paths, and /) are reported as root-owned
// drwxr-xr-x, as the engine creates them.
func (f *Filesystem) Lstat(p string) (*tar.Header, error) {
	_, h, err := f.resolve(p, false)
	return h, err
}

// ReadFile returns the contents of the file at p, following links.
func (f *Filesystem) ReadFile(p string) ([]byte, error) {
	resolved, h, err := f.resolveFile(p)
	if err != nil {
		return nil, err
	}
	if h.Typeflag == tar.TypeDir {
		return nil, fmt.Errorf("%s is a directory", p)
	}
	if size, ok := f.tooLarge[resolved]; ok {
		return nil, fmt.Errorf("%s is %d bytes, more than the %d MiB a file content test reads", p, size, MaxFileSize>>20)
	}
	b, ok := f.contents[resolved]
	if !ok {
		return nil, fmt.Errorf("%s: contents were not read", p)
	}
	return b, nil
}

// resolveFile follows every symbolic link and a final hard link.
func (f *Filesystem) resolveFile(p string) (string, *tar.Header, error) {
	resolved, h, err := f.resolve(p, true)
	if err == nil && h.Typeflag == tar.TypeLink {
		return f.resolve("/"+h.Linkname, true)
	}
	return resolved, h, err
}

// resolve walks p component by component from /, following symbolic links
// on the way and, with final, one that p itself names.
func (f *Filesystem) resolve(p string, final bool) (string, *tar.Header, error) {
	rest := components(p)
	cur, links := "/", 0
	for len(rest) > 0 {
		name := rest[0]
		rest = rest[1:]
		switch name {
		case ".":
			continue
		case "..":
			cur = path.Dir(cur)
			continue
		}
		next := path.Join(cur, name)
		h := f.header(next)
		switch {
		case h == nil:
			return next, nil, fmt.Errorf("%s: %w", p, fs.ErrNotExist)
		case h.Typeflag == tar.TypeSymlink && (len(rest) > 0 || final):
			if links++; links > maxLinks {
				return next, nil, fmt.Errorf("%s: too many levels of symbolic links", p)
			}
			if path.IsAbs(h.Linkname) {
				cur = "/"
			}
			rest = append(components(h.Linkname), rest...)
			continue
		case len(rest) > 0 && h.Typeflag != tar.TypeDir:
			return next, nil, fmt.Errorf("%s: %s is %w", p, next, errNotDir)
		}
		cur = next
	}
	return cur, f.header(cur), nil
}

// header is the header of the cleaned path p, nil when it does not exist.
func (f *Filesystem) header(p string) *tar.Header {
	if h, ok := f.entries[p]; ok {
		return h
	}
	if p == "/" || f.implied[p] {
		return &tar.Header{Name: p, Typeflag: tar.TypeDir, Mode: 0o755}
	}
	return nil
}

// clean makes a tar entry name or a test's path absolute and clean.
func clean(name string) string { return path.Clean("/" + name) }

// components splits a path into its names, keeping "." and "..".
func components(p string) []string {
	var out []string
	for _, c := range strings.Split(p, "/") {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}
