package gc

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
)

// manifestTypes are the manifests bake pushes (through the engine) or could:
// a registry answers a request by digest only for types the client accepts.
var manifestTypes = []string{
	"application/vnd.docker.distribution.manifest.v2+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.oci.image.index.v1+json",
}

// registryClient talks to the registry directly, never through a proxy: it
// is on 127.0.0.1.
var registryClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil}}

// findManifests keeps the candidates the registry still has: a manifest an
// earlier gc deleted is not listed again. One whose presence cannot be
// checked is listed with its Error set.
func (c *Collector) findManifests(ctx context.Context, candidates []Item) []Item {
	var out []Item
	for _, it := range candidates {
		status, err := c.manifest(ctx, http.MethodHead, it.Name)
		switch {
		case err != nil:
			it.Error = fmt.Sprintf("checking the registry: %v", err)
		case status == http.StatusNotFound:
			continue
		}
		out = append(out, it)
	}
	return out
}

// removeManifest deletes a manifest by digest, which also removes the tags
// that point at it. Its blobs stay until the registry's own garbage
// collection runs.
func (c *Collector) removeManifest(ctx context.Context, it Item) error {
	status, err := c.manifest(ctx, http.MethodDelete, it.Name)
	switch {
	case err != nil:
		return fmt.Errorf("deleting from the registry: %w", err)
	case status == http.StatusMethodNotAllowed:
		return fmt.Errorf("deleting from the registry: it refuses deletes: set storage.delete.enabled: true in its config")
	}
	return nil
}

// manifest sends one request for a manifest by digest, REGISTRY/REPO@DIGEST,
// and returns the status: 2xx and 404 (already gone) are answers, anything
// else is an error. It is the Distribution API's two calls bake needs;
// go-containerregistry's remote package would do the same, but its
// keychain brings in modules bake does not otherwise require.
func (c *Collector) manifest(ctx context.Context, method, ref string) (int, error) {
	d, err := name.NewDigest(ref, name.Insecure)
	if err != nil {
		return 0, fmt.Errorf("%q is not a reference by digest: %w", ref, err)
	}
	repo := d.Context()
	u := url.URL{Scheme: repo.Scheme(), Host: repo.RegistryStr(), Path: "/v2/" + repo.RepositoryStr() + "/manifests/" + d.DigestStr()}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", strings.Join(manifestTypes, ", "))
	client := c.HTTP
	if client == nil {
		client = registryClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 || resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
		return resp.StatusCode, nil
	}
	return resp.StatusCode, fmt.Errorf("%s %s: %s%s", method, u.String(), resp.Status, registryMessage(body))
}

// registryMessage is the first error a registry explained in its body.
func registryMessage(body []byte) string {
	var doc struct {
		Errors []struct{ Code, Message string }
	}
	if json.Unmarshal(body, &doc) == nil && len(doc.Errors) > 0 {
		return ": " + doc.Errors[0].Code + ": " + doc.Errors[0].Message
	}
	return ""
}
