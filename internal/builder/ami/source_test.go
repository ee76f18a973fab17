package ami

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/builder"
	"github.com/bakehq/bake/internal/engine"
)

// TestSourceAmongMotosImages resolves filters against moto's own images:
// the pick is the newest of those DescribeImages lists for the same
// filters, and among images of the same second the one whose name sorts last.
func TestSourceAmongMotosImages(t *testing.T) {
	f := newFixture(t, "source: "+amazonLinux+"\n")
	j := f.prepare(t)
	out, err := f.clients(t, buildRegion).DescribeImages(t.Context(), &ec2.DescribeImagesInput{
		Owners:  []string{"amazon"},
		Filters: []types.Filter{{Name: aws.String("name"), Values: []string{"amzn2-ami-hvm-*-x86_64-gp2"}}},
	})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(out.Images), 2, "moto's images changed: pick other filters")
	images := out.Images
	sort.Slice(images, func(a, b int) bool {
		if ca, cb := aws.ToString(images[a].CreationDate), aws.ToString(images[b].CreationDate); ca != cb {
			return ca > cb
		}
		return aws.ToString(images[a].Name) > aws.ToString(images[b].Name)
	})
	assert.Equal(t, aws.ToString(images[0].ImageId), aws.ToString(j.source.ImageId), "picked %s", aws.ToString(j.source.Name))
}

// TestSourceMostRecentAndDigest registers images of its own, a second
// apart: the newest matching one is the source, and a newer one, like a
// changed script, changes the inputs digest.
func TestSourceMostRecentAndDigest(t *testing.T) {
	f := newFixture(t, "")
	api := f.clients(t, buildRegion)
	prefix := "bake-src-" + f.spec.OperationID
	register := func(name string) string {
		out, err := api.RegisterImage(t.Context(), &ec2.RegisterImageInput{Name: aws.String(name), RootDeviceName: aws.String("/dev/xvda")})
		require.NoError(t, err)
		return aws.ToString(out.ImageId)
	}
	older := register(prefix + "-2024")
	time.Sleep(1100 * time.Millisecond) // CreationDate has seconds
	newer := register(prefix + "-2023") // newer, though its name sorts first
	time.Sleep(1100 * time.Millisecond)
	register("other-" + f.spec.OperationID) // newest, but does not match

	recipe := `source: {filters: {name: "` + prefix + `-*"}, owners: [self]}
scripts: [provision.sh]
`
	write := func(name, content string) {
		require.NoError(t, os.WriteFile(name, []byte(content), 0o644))
	}
	write(filepath.Join(f.spec.Image.Template, Template), recipe)
	j := f.prepare(t)
	assert.Equal(t, newer, aws.ToString(j.source.ImageId))
	first := j.InputsDigest()
	assert.Equal(t, first, f.prepare(t).InputsDigest(), "same inputs, same digest")

	other := f.spec
	other.Version, other.OperationID = "9.9.9", engine.NewOperationID()
	j2, err := f.builder.Prepare(other)
	require.NoError(t, err)
	assert.Equal(t, first, j2.InputsDigest(), "the version alone is not an input")

	time.Sleep(1100 * time.Millisecond)
	newest := register(prefix + "-2022")
	j = f.prepare(t)
	assert.Equal(t, newest, aws.ToString(j.source.ImageId))
	afterSource := j.InputsDigest()
	assert.NotEqual(t, first, afterSource, "a newer source AMI is a new input")

	write(filepath.Join(f.spec.Image.Context, "provision.sh"), "#!/bin/sh\necho changed\n")
	afterScript := f.prepare(t).InputsDigest()
	assert.NotEqual(t, afterSource, afterScript, "a changed script is a new input")

	f.spec.Image.Vars = map[string]string{"who": "someone else"}
	assert.NotEqual(t, afterScript, f.prepare(t).InputsDigest(), "a changed variable is a new input")

	// Pinned by id: exactly that image, even an older one.
	write(filepath.Join(f.spec.Image.Template, Template), "source: {ami: "+older+"}\n")
	assert.Equal(t, older, aws.ToString(f.prepare(t).source.ImageId))
}

func TestSourceErrors(t *testing.T) {
	for name, tc := range map[string]struct{ recipe, want string }{
		"no match": {
			`source: {filters: {name: "no-such-image-*"}, owners: [self]}`,
			"source: no available image in us-east-1 owned by self matches name=no-such-image-*",
		},
		"unknown id": {"source: {ami: ami-0123456789abcdef0}", "source.ami: ami-0123456789abcdef0 does not exist"},
		"build region copied to": {
			"source: " + amazonLinux + "\nregions: [" + buildRegion + "]",
			"regions: us-east-1 is the build region",
		},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, tc.recipe)
			_, err := f.builder.Prepare(f.spec)
			require.Error(t, err)
			assert.ErrorIs(t, err, builder.ErrTemplate)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestPrepareWithoutAWS(t *testing.T) {
	f := newFixture(t, "source: "+amazonLinux+"\n")
	f.builder.AWS = nil
	_, err := f.builder.Prepare(f.spec)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "an AMI needs AWS")
}
