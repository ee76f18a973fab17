package builder

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/engine"
)

// Artifact is a published image, referred to by digest from here on.
type Artifact struct {
	Digest    string // manifest digest, sha256:...
	Reference string // REPOSITORY@DIGEST
}

// Publish pushes a built image to the registry and returns its digest.
func Publish(ctx context.Context, eng *client.Client, b Built, progress io.Writer) (Artifact, error) {
	res, err := eng.ImagePush(ctx, b.Tag, client.ImagePushOptions{
		RegistryAuth: base64.URLEncoding.EncodeToString([]byte("{}")),
	})
	if err != nil {
		return Artifact{}, fmt.Errorf("pushing %s: %w", b.Tag, err)
	}
	defer res.Close()
	var digest string
	err = engine.ReadStream(res, progress, func(aux json.RawMessage) {
		var pushed struct{ Digest string }
		if json.Unmarshal(aux, &pushed) == nil && pushed.Digest != "" {
			digest = pushed.Digest
		}
	})
	if err != nil {
		return Artifact{}, fmt.Errorf("pushing %s: %w", b.Tag, err)
	}
	if digest == "" {
		return Artifact{}, fmt.Errorf("pushing %s: the registry returned no digest", b.Tag)
	}
	repo := b.Tag[:strings.LastIndex(b.Tag, ":")]
	return Artifact{Digest: digest, Reference: repo + "@" + digest}, nil
}
