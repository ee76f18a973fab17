package builder

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// dockerfileName is where the rendered template goes in the build context,
// chosen so it cannot clash with a file of the context.
const dockerfileName = ".bake.Dockerfile"

// zeroTime stands in for every file time, so touching a file changes nothing.
var zeroTime = time.Unix(0, 0).UTC()

// contextTar packs dir (honouring its .dockerignore) plus the rendered
// Dockerfile into a tar whose bytes depend only on file names, modes and
// contents: entries are sorted and carry no times or owners.
func contextTar(dir string, dockerfile []byte) ([]byte, error) {
	pm, err := ignorePatterns(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		skip, err := pm.MatchesOrParentMatches(rel)
		if err != nil {
			return err
		}
		if skip {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() || d.IsDir() || d.Type()&fs.ModeSymlink != 0 {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading build context %s: %w", dir, err)
	}
	sort.Strings(files)

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, rel := range files {
		if err := addFile(tw, dir, rel); err != nil {
			return nil, fmt.Errorf("packing build context %s: %w", dir, err)
		}
	}
	hdr := &tar.Header{Name: dockerfileName, Mode: 0o644, Size: int64(len(dockerfile)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, err
	}
	if _, err := tw.Write(dockerfile); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func addFile(tw *tar.Writer, dir, rel string) error {
	path := filepath.Join(dir, filepath.FromSlash(rel))
	info, err := os.Lstat(path)
	if err != nil {
		return err
	}
	link := ""
	if info.Mode()&fs.ModeSymlink != 0 {
		if link, err = os.Readlink(path); err != nil {
			return err
		}
	}
	hdr, err := tar.FileInfoHeader(info, link)
	if err != nil {
		return err
	}
	hdr.Name = rel
	if info.IsDir() {
		hdr.Name += "/"
	}
	hdr.ModTime, hdr.AccessTime, hdr.ChangeTime = zeroTime, zeroTime, zeroTime
	hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "", ""
	hdr.Mode = int64(info.Mode().Perm())
	hdr.Format = tar.FormatPAX
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(tw, f)
	return err
}

func ignorePatterns(dir string) (*patternmatcher.PatternMatcher, error) {
	var patterns []string
	f, err := os.Open(filepath.Join(dir, ".dockerignore"))
	switch {
	case err == nil:
		defer f.Close()
		if patterns, err = ignorefile.ReadAll(f); err != nil {
			return nil, fmt.Errorf("reading %s/.dockerignore: %w", dir, err)
		}
	case !os.IsNotExist(err):
		return nil, err
	}
	return patternmatcher.New(patterns)
}
