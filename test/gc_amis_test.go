package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/builder/ami"
)

// thirdRegion is where TestGCAMIs copies its AMIs besides copyRegion.
const thirdRegion = "eu-west-1"

// TestGCAMIs drives `bake gc --amis` through the built binary on moto: an
// AMI release nothing runs or keeps, copied to three regions, is listed by
// a dry run and then deregistered everywhere with its snapshots; the
// release dev runs keeps its AMIs. The removed release stays in history
// and show, marked, and promote refuses it. (A launch template keeping an
// AMI is proven in internal/gc's moto test.)
func TestGCAMIs(t *testing.T) {
	t.Parallel()
	p := newAWSProject(t)
	recipe := filepath.Join(p.dir, "templates", "web", ami.Template)
	b, err := os.ReadFile(recipe)
	require.NoError(t, err)
	writeFile(t, recipe, strings.Replace(string(b), "regions: ["+copyRegion+"]", "regions: ["+copyRegion+", "+thirdRegion+"]", 1))

	old := p.releaseStopping("1.0.0", "echo 'web 1.0' > /etc/bake-release\n")
	cur := p.releaseStopping("1.1.0", "echo 'web 1.1' > /etc/bake-release\n")
	require.Len(t, old.AMIs, 3, "AMIs in three regions: %v", old.AMIs)
	mustBakeAWS(t, p, "promote", "web@1.1.0", "--to", "dev")
	snapshots := map[string][]string{}
	for region, id := range old.AMIs {
		out, err := p.aws.In(region).EC2.DescribeImages(t.Context(), &ec2.DescribeImagesInput{ImageIds: []string{id}})
		require.NoError(t, err)
		for _, bdm := range out.Images[0].BlockDeviceMappings {
			if bdm.Ebs != nil && bdm.Ebs.SnapshotId != nil {
				snapshots[region] = append(snapshots[region], aws.ToString(bdm.Ebs.SnapshotId))
			}
		}
	}

	res := mustBakeAWS(t, p, "gc", "--amis", "--dry-run")
	assert.Regexp(t, `(?m)^ami\s+`+thirdRegion+` `+old.AMIs[thirdRegion]+`, us-east-1 `+old.AMIs[awsRegion]+`, `+copyRegion+` `+
		old.AMIs[copyRegion]+`\s+web@1.0.0\s+would remove$`, res.stdout)
	assert.Contains(t, res.stdout, "kept web@1.1.0: runs in dev")
	for region, id := range old.AMIs {
		assert.True(t, p.amiExists(region, id), "a dry run removes nothing: %s %s", region, id)
	}

	var doc gcDoc
	decodeOne(t, mustBakeAWS(t, p, "gc", "--amis", "--yes", "-o", "json").stdout, &doc)
	var amis []gcItem
	for _, it := range doc.Items {
		if it.Kind == "ami" {
			amis = append(amis, it)
		}
	}
	require.Len(t, amis, 1, "%+v", doc.Items)
	assert.Equal(t, []string{"web@1.0.0"}, amis[0].Releases)
	assert.True(t, amis[0].Removed, amis[0].Error)
	for region, id := range old.AMIs {
		assert.False(t, p.amiExists(region, id), "1.0.0's AMI in %s is deregistered", region)
		for _, snap := range snapshots[region] {
			_, err := p.aws.In(region).EC2.DescribeSnapshots(t.Context(), &ec2.DescribeSnapshotsInput{SnapshotIds: []string{snap}})
			assert.ErrorContains(t, err, "InvalidSnapshot.NotFound", "snapshot %s in %s is deleted", snap, region)
		}
	}
	for region, id := range cur.AMIs {
		assert.True(t, p.amiExists(region, id), "1.1.0's AMI in %s stays", region)
	}

	res = mustBakeAWS(t, p, "history", "web")
	assert.Regexp(t, `(?m)^web@1.0.0\s+validated, AMIs removed \d{4}-\d\d-\d\d\s`, res.stdout)
	assert.Regexp(t, `(?m)^web@1.1.0\s+validated\s`, res.stdout)
	var shown struct {
		AMIsRemoved struct {
			AMIs map[string]string `json:"amis"`
		} `json:"amis_removed"`
	}
	decodeOne(t, mustBakeAWS(t, p, "show", "web@1.0.0", "-o", "json").stdout, &shown)
	assert.Equal(t, old.AMIs, shown.AMIsRemoved.AMIs)

	res = bakeEnv(t, p.dir, p.env, "promote", "web@1.0.0", "--to", "dev")
	assert.Equal(t, 3, res.code, "%s", res)
	assert.Contains(t, res.stderr, "its AMIs were removed by `bake gc --amis`")
	res = mustBakeAWS(t, p, "gc", "--amis", "--dry-run")
	assert.NotRegexp(t, `(?m)^ami\s`, res.stdout, "a removed release is not listed again")
}

// amiExists reports whether moto still has AMI id in region.
func (p *awsProject) amiExists(region, id string) bool {
	out, err := p.aws.In(region).EC2.DescribeImages(p.t.Context(), &ec2.DescribeImagesInput{ImageIds: []string{id}})
	if err != nil && strings.Contains(err.Error(), "InvalidAMIID.NotFound") {
		return false
	}
	require.NoError(p.t, err)
	return len(out.Images) > 0
}
