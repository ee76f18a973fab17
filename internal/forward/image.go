package forward

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/engine"
)

// repository names the forwarder images; each tag is a bake binary's digest.
const repository = "bake-forwarder"

// libDirs are where the dynamic libraries of a bake built with cgo are
// looked up on the host; in the image they all go to /lib, which
// LD_LIBRARY_PATH names, since the image has no loader cache.
var libDirs = []string{"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
	"/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"}

// Image returns the forwarder image for the running bake binary, importing
// it into eng the first time: the binary (and, for a binary built with cgo,
// its loader and libraries) and nothing else. Its tag names the binary's
// digest, so every bake version gets its own and reuses it afterwards.
func Image(ctx context.Context, eng *client.Client) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding bake's own binary for the sandbox forwarder: %w", err)
	}
	digest, err := fileDigest(exe)
	if err != nil {
		return "", fmt.Errorf("reading bake's own binary for the sandbox forwarder: %w", err)
	}
	ref := repository + ":" + digest[:16]
	if _, err := eng.ImageInspect(ctx, ref); err == nil {
		return ref, nil
	}
	files, err := contents(exe)
	if err != nil {
		return "", fmt.Errorf("building the sandbox forwarder image: %w", err)
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeTar(pw, files)) }()
	res, err := eng.ImageImport(ctx, client.ImageImportSource{Source: pr, SourceName: "-"}, ref, client.ImageImportOptions{
		Changes: []string{`ENTRYPOINT ["/bake", "forward"]`, "ENV LD_LIBRARY_PATH=/lib", "USER 65534:65534"},
	})
	if err != nil {
		pr.CloseWithError(err)
		return "", fmt.Errorf("importing the sandbox forwarder image: %w", err)
	}
	defer res.Close()
	if err := engine.ReadStream(res, nil, nil); err != nil {
		return "", fmt.Errorf("importing the sandbox forwarder image: %w", err)
	}
	pruneOthers(ctx, eng, ref)
	return ref, nil
}

// staleAfter is how old another bake binary's forwarder image must be before
// a new one replaces it: a run of that binary still going may be about to
// start a forwarder from it.
const staleAfter = 10 * time.Minute

// pruneOthers removes the forwarder images of other bake binaries, imported
// more than staleAfter ago, so upgrades do not pile them up. An image a
// forwarder still uses stays (the engine refuses), as does any error: the
// next import tries again.
func pruneOthers(ctx context.Context, eng *client.Client, keep string) {
	list, err := eng.ImageList(ctx, client.ImageListOptions{Filters: client.Filters{}.Add("reference", repository+":*")})
	if err != nil {
		return
	}
	for _, img := range list.Items {
		if time.Since(time.Unix(img.Created, 0)) < staleAfter {
			continue
		}
		for _, tag := range img.RepoTags {
			if tag != keep && strings.HasPrefix(tag, repository+":") {
				_, _ = eng.ImageRemove(ctx, tag, client.ImageRemoveOptions{PruneChildren: true})
			}
		}
	}
}

// contents maps each path in the image to the host file it is copied from.
func contents(exe string) (map[string]string, error) {
	files := map[string]string{"/bake": exe}
	f, err := elf.Open(exe)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		b, err := io.ReadAll(p.Open())
		if err != nil {
			return nil, err
		}
		interp := string(b[:len(b)-1]) // NUL-terminated
		files[interp] = interp
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		return nil, err
	}
	for _, lib := range libs {
		found := ""
		for _, dir := range libDirs {
			if _, err := os.Stat(filepath.Join(dir, lib)); err == nil {
				found = filepath.Join(dir, lib)
				break
			}
		}
		if found == "" {
			return nil, fmt.Errorf("bake's binary needs %s, found in none of %v: build bake with CGO_ENABLED=0", lib, libDirs)
		}
		files[path.Join("/lib", lib)] = found
	}
	return files, nil
}

// writeTar writes files as a layer: regular files with the content of what
// their host path resolves to, readable and executable by anyone.
func writeTar(w io.Writer, files map[string]string) error {
	tw := tar.NewWriter(w)
	dirs := map[string]bool{}
	for name, src := range files {
		for d := path.Dir(name); d != "/" && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d[1:] + "/", Mode: 0o755}); err != nil {
				return err
			}
		}
		if err := copyFile(tw, name, src); err != nil {
			return err
		}
	}
	return tw.Close()
}

func copyFile(tw *tar.Writer, name, src string) error {
	f, err := os.Open(src) // follows symlinks, as the loader would
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name[1:], Mode: 0o555, Size: st.Size()}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

func fileDigest(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
