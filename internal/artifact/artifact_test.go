package artifact

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/bakehq/bake/internal/ledger"
)

func TestAMIDigest(t *testing.T) {
	amis := map[string]string{"us-east-1": "ami-1", "eu-west-1": "ami-2"}
	want := fmt.Sprintf("sha256:%x", sha256.Sum256([]byte("eu-west-1 ami-2\nus-east-1 ami-1\n")))
	assert.Equal(t, want, AMIDigest(amis), "regions in order, one line each: the digest recorded AMI releases have")
}

func TestVerify(t *testing.T) {
	digest := "sha256:" + strings.Repeat("0a", 32)
	other := "sha256:" + strings.Repeat("0b", 32)
	amis := map[string]string{"us-east-1": "ami-1"}
	tests := []struct {
		name string
		rel  ledger.Release
		want string // "" for none
	}{
		{"image by digest", ledger.Release{Digest: digest, Reference: "127.0.0.1:5000/p/web@" + digest}, ""},
		{"reference names another digest", ledger.Release{Digest: digest, Reference: "127.0.0.1:5000/p/web@" + other},
			"its reference 127.0.0.1:5000/p/web@" + other + " does not name its digest " + digest},
		{"reference by tag", ledger.Release{Digest: digest, Reference: "127.0.0.1:5000/p/web:1.0.0"},
			"its reference 127.0.0.1:5000/p/web:1.0.0 names no digest, and bake deploys only by digest"},
		{"reference with no repository", ledger.Release{Digest: digest, Reference: "@" + digest}, "names no digest"},
		{"digest not sha256", ledger.Release{Digest: "md5:abc", Reference: "r@md5:abc"}, `its digest "md5:abc" is not a sha256 digest`},
		{"digest in capitals", ledger.Release{Digest: strings.ToUpper(digest), Reference: "r@" + strings.ToUpper(digest)}, "is not a sha256 digest"},
		{"AMIs by their digest", ledger.Release{Digest: AMIDigest(amis), AMIs: amis}, ""},
		{"AMIs recorded before they had a digest", ledger.Release{AMIs: amis}, ""},
		{"AMIs changed", ledger.Release{Digest: AMIDigest(amis), AMIs: map[string]string{"us-east-1": "ami-evil"}},
			"is not the digest of its AMIs"},
		{"AMIs and an image", ledger.Release{Digest: digest, Reference: "r@" + digest, AMIs: amis}, "both an image reference and AMIs"},
		{"nothing to deploy", ledger.Release{Digest: digest}, "it records no artifact"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.rel)
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			if tt.name == "nothing to deploy" {
				assert.ErrorIs(t, err, ErrNoArtifact)
			} else {
				assert.ErrorIs(t, err, ErrMismatch)
			}
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestAMIList(t *testing.T) {
	assert.Equal(t, "eu-west-1 ami-456, us-east-1 ami-123",
		AMIList(map[string]string{"us-east-1": "ami-123", "eu-west-1": "ami-456"}), "words, by region")
	assert.Equal(t, "none", AMIList(nil))
}
