package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// rawHook records the bodies a webhook receives, as they are.
type rawHook struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	paths  []string // of every request, in order
}

func newRawHook(t *testing.T) *rawHook {
	h := &rawHook{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies = append(h.bodies, b)
		h.paths = append(h.paths, r.URL.Path)
		h.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *rawHook) all() [][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([][]byte(nil), h.bodies...)
}

// canarySearch looks for one value in everything it is given, and names
// where it was found.
type canarySearch struct {
	t       *testing.T
	canary  []byte
	places  int
	scanned int64
	found   []string
}

func (c *canarySearch) search(where string, b []byte) {
	c.places++
	c.scanned += int64(len(b))
	if bytes.Contains(b, c.canary) {
		c.found = append(c.found, where)
	}
	// Compressed bytes would hide it: look inside.
	if len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b {
		if zr, err := gzip.NewReader(bytes.NewReader(b)); err == nil {
			if plain, err := io.ReadAll(zr); err == nil {
				c.search(where+" (gunzipped)", plain)
			}
		}
	}
}

// searchTar searches a tar archive as a whole and every file in it.
func (c *canarySearch) searchTar(where string, b []byte) {
	c.search(where, b)
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err != nil {
			return
		}
		data, err := io.ReadAll(tr)
		require.NoError(c.t, err)
		c.search(where+":"+h.Name, data)
		if strings.HasSuffix(h.Name, ".tar") || strings.HasPrefix(h.Name, "blobs/") {
			c.searchTar(where+":"+h.Name, data)
		}
	}
}

// registryGet asks the registry on 127.0.0.1:5000, accepting image manifests.
func registryGet(t *testing.T, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1:5000"+path, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, b
}

func layerDigests(layers []struct{ Digest string }) []string {
	out := make([]string, len(layers))
	for i, l := range layers {
		out[i] = l.Digest
	}
	return out
}

// readImageFile returns a file that one layer of a docker save archive writes.
func readImageFile(t *testing.T, saved []byte, path string) string {
	t.Helper()
	var content string
	var found bool
	tr := tar.NewReader(bytes.NewReader(saved))
	for {
		_, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		data, err := io.ReadAll(tr)
		require.NoError(t, err)
		lr := tar.NewReader(bytes.NewReader(data))
		for {
			lh, err := lr.Next()
			if err != nil {
				break
			}
			if strings.TrimPrefix(lh.Name, "./") == path {
				b, _ := io.ReadAll(lr)
				content, found = string(b), true
			}
		}
	}
	require.True(t, found, "no layer holds %s", path)
	return content
}
