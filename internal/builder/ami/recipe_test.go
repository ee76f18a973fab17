package ami

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/builder"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/yamlerr"
)

func TestParseRecipe(t *testing.T) {
	ctxDir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(ctxDir, "provision.sh"), []byte("#!/bin/sh\n"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(ctxDir, "lib", "more"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(ctxDir, "lib", "setup.sh"), []byte("#!/bin/sh\n"), 0o755))

	rec, err := parseRecipe("ami.yaml", ctxDir, []byte(`
source:
  filters: {name: "debian-12-amd64-*", architecture: [x86_64, arm64]}
  owners: ["136693071363", amazon]
instance_type: t3.small
subnet: subnet-0abc
scripts: [provision.sh, lib/setup.sh]
env: {APP_VERSION: "1.2.3", EMPTY: ""}
regions: [us-west-2, eu-central-1]
share_with: ["123456789012"]
volume_size: 16
timeout: 20m
instance_profile: bake-build
`))
	require.NoError(t, err)
	assert.Equal(t, map[string]yamlerr.Error{
		"source":        {File: "ami.yaml", Line: 2, Column: 1, Key: "source", Kind: builder.ErrTemplate},
		"instance_type": {File: "ami.yaml", Line: 5, Column: 16, Key: "instance_type", Kind: builder.ErrTemplate},
		"subnet":        {File: "ami.yaml", Line: 6, Column: 9, Key: "subnet", Kind: builder.ErrTemplate},
	}, rec.At)
	rec.At = nil
	assert.Equal(t, Recipe{
		Source: Source{
			Filters: map[string][]string{"name": {"debian-12-amd64-*"}, "architecture": {"x86_64", "arm64"}},
			Owners:  []string{"136693071363", "amazon"},
		},
		InstanceType: "t3.small", Subnet: "subnet-0abc", Scripts: []string{"provision.sh", "lib/setup.sh"},
		Env:     map[string]string{"APP_VERSION": "1.2.3", "EMPTY": ""},
		Regions: []string{"us-west-2", "eu-central-1"}, ShareWith: []string{"123456789012"}, VolumeSize: 16,
		Timeout: 20 * time.Minute, InstanceProfile: "bake-build",
	}, rec)

	rec, err = parseRecipe("ami.yaml", ctxDir, []byte("source: {ami: ami-123}\n"))
	require.NoError(t, err)
	assert.Equal(t, yamlerr.Error{File: "ami.yaml", Line: 1, Column: 15, Key: "source.ami", Kind: builder.ErrTemplate}, rec.At["source"])
	rec.At = nil
	assert.Equal(t, Recipe{Source: Source{AMI: "ami-123"}, InstanceType: config.DefaultInstanceType}, rec)

	for name, tc := range map[string]struct{ yaml, want string }{
		"empty":            {"", "ami.yaml: empty"},
		"not a mapping":    {"- a\n", "ami.yaml:1:1: expected a mapping, got a list"},
		"no source":        {"instance_type: t3.micro\n", "ami.yaml:1:1: source: required"},
		"unknown key":      {"source: {ami: ami-1}\ninstance_typo: t3.micro\n", `ami.yaml:2:1: instance_typo: unknown key; did you mean "instance_type"?`},
		"unknown source":   {"source: {ami: ami-1, id: x}\n", "ami.yaml:1:22: source.id: unknown key; expected one of: ami, filters, owners"},
		"duplicate key":    {"source: {ami: ami-1}\nsubnet: subnet-1\nsubnet: subnet-2\n", "ami.yaml:3:1: subnet: duplicate key; first defined at line 2"},
		"ami and filters":  {"source: {ami: ami-1, filters: {name: x}, owners: [self]}\n", "source.ami: give an AMI id or filters and owners, not both"},
		"not an ami":       {"source: {ami: i-123}\n", "ami.yaml:1:15: source.ami: expected an AMI id (ami-...), got \"i-123\""},
		"no owners":        {"source: {filters: {name: x}}\n", "source.owners: required with filters"},
		"empty filters":    {"source: {filters: {}, owners: [self]}\n", "source.filters: empty"},
		"nothing":          {"source: {}\n", "source: needs ami, or filters and owners"},
		"bad subnet":       {"source: {ami: ami-1}\nsubnet: sn-1\n", "ami.yaml:2:9: subnet: expected a subnet id"},
		"bad region":       {"source: {ami: ami-1}\nregions: [us-west-2, Mars]\n", "ami.yaml:2:22: regions[1]: expected a region name such as us-west-2, got \"Mars\""},
		"region twice":     {"source: {ami: ami-1}\nregions: [us-west-2, us-west-2]\n", "regions[1]: \"us-west-2\" is listed twice"},
		"bad account":      {"source: {ami: ami-1}\nshare_with: [12345]\n", "share_with[0]: expected a 12-digit account id, got \"12345\""},
		"volume zero":      {"source: {ami: ami-1}\nvolume_size: 0\n", "volume_size: expected a size in GiB from 1 to 16384, got 0"},
		"volume text":      {"source: {ami: ami-1}\nvolume_size: big\n", "volume_size: expected a size in GiB from 1 to 16384, got \"big\""},
		"missing script":   {"source: {ami: ami-1}\nscripts: [nope.sh]\n", "ami.yaml:2:11: scripts[0]: \"nope.sh\" is not in the build context"},
		"script outside":   {"source: {ami: ami-1}\nscripts: [../etc/passwd]\n", "scripts[0]: \"../etc/passwd\" is not inside the build context"},
		"script absolute":  {"source: {ami: ami-1}\nscripts: [/etc/passwd]\n", "scripts[0]: \"/etc/passwd\" is not inside the build context"},
		"script directory": {"source: {ami: ami-1}\nscripts: [lib]\n", "scripts[0]: \"lib\" in the build context " + ctxDir + " is not a regular file"},
		"env name":         {"source: {ami: ami-1}\nenv: {1X: a}\n", "env.1X: not a shell variable name"},
		"env value":        {"source: {ami: ami-1}\nenv: {X: [a]}\n", "env.X: expected a string, got a list"},
		"instance type":    {"source: {ami: ami-1}\ninstance_type: \"\"\n", "instance_type: expected a non-empty string"},
		"bad yaml":         {"source: {ami: ami-1\n", "ami.yaml:1: malformed YAML: did not find expected ',' or '}'"},
		"type shape":       {"source: {ami: ami-1}\ninstance_type: t3micro\n", `ami.yaml:2:16: instance_type: expected an EC2 instance type such as t3.micro, got "t3micro"`},
		"type number":      {"source: {ami: ami-1}\ninstance_type: [t3.micro]\n", "ami.yaml:2:16: instance_type: expected a non-empty string, got a list"},
		"timeout text":     {"source: {ami: ami-1}\ntimeout: soon\n", `ami.yaml:2:10: timeout: expected a duration such as "30m" or "1h30m", got "soon"`},
		"timeout number":   {"source: {ami: ami-1}\ntimeout: 30\n", `ami.yaml:2:10: timeout: expected a duration such as "30m" or "1h30m", got 30`},
		"timeout short":    {"source: {ami: ami-1}\ntimeout: 5s\n", "ami.yaml:2:10: timeout: expected a duration from 1m0s to 24h, got 5s"},
		"timeout long":     {"source: {ami: ami-1}\ntimeout: 48h\n", "ami.yaml:2:10: timeout: expected a duration from 1m0s to 24h, got 48h"},
		"timeout typo":     {"source: {ami: ami-1}\ntimout: 1h\n", `ami.yaml:2:1: timout: unknown key; did you mean "timeout"?`},
		"profile":          {"source: {ami: ami-1}\ninstance_profile: \"my profile\"\n", `ami.yaml:2:19: instance_profile: expected the name of an IAM instance profile`},
		"profile typo":     {"source: {ami: ami-1}\ninstance_profil: x\n", `ami.yaml:2:1: instance_profil: unknown key; did you mean "instance_profile"?`},
		"filter name":      {"source: {filters: {nmae: x}, owners: [self]}\n", `ami.yaml:1:20: source.filters.nmae: unknown image filter; did you mean "name"?`},
		"filter unknown":   {"source: {filters: {flavour: x}, owners: [self]}\n", `ami.yaml:1:20: source.filters.flavour: unknown image filter; DescribeImages takes names such as name`},
		"filter value":     {"source: {filters: {architecture: x86-64}, owners: [self]}\n", `ami.yaml:1:34: source.filters.architecture: "x86-64" matches no image; did you mean "x86_64"?`},
		"filter values":    {"source: {filters: {virtualization-type: [hvm, kvm]}, owners: [self]}\n", `ami.yaml:1:47: source.filters.virtualization-type[1]: "kvm" matches no image; did you mean "hvm"?`},
		"filter far value": {"source: {filters: {root-device-type: disk}, owners: [self]}\n", `"disk" matches no image; expected one of: ebs, instance-store`},
		"owner alias":      {"source: {filters: {name: x}, owners: [amazn]}\n", `ami.yaml:1:39: source.owners[0]: unknown owner "amazn"; did you mean "amazon"?`},
		"owner account":    {"source: {filters: {name: x}, owners: [12345]}\n", `source.owners[0]: expected a 12-digit account id (quoted) or one of self, amazon, aws-marketplace, aws-backup-vault, got "12345"`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parseRecipe("ami.yaml", ctxDir, []byte(tc.yaml))
			require.Error(t, err)
			assert.ErrorIs(t, err, builder.ErrTemplate)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestParseRecipeAllProblems reports every problem of a file at once, in file order.
func TestParseRecipeAllProblems(t *testing.T) {
	_, err := parseRecipe("ami.yaml", t.TempDir(), []byte("volume_size: -1\nsource: {ami: x}\nfoo: 1\n"))
	require.Error(t, err)
	assert.Equal(t, builder.ErrTemplate.Error()+": "+
		"ami.yaml:1:14: volume_size: expected a size in GiB from 1 to 16384, got -1\n"+
		"ami.yaml:2:15: source.ami: expected an AMI id (ami-...), got \"x\"\n"+
		"ami.yaml:3:1: foo: unknown key; expected one of: source, instance_type, subnet, scripts, env, regions, share_with, volume_size, timeout, instance_profile",
		err.Error())
}

// A script is read into the instance's user data, so a link out of the
// build context would ship the file it leads to (~/.aws/credentials) with
// the image.
func TestParseRecipeRefusesScriptLinkingOut(t *testing.T) {
	ctxDir, outside := t.TempDir(), t.TempDir()
	secret := filepath.Join(outside, "credentials")
	require.NoError(t, os.WriteFile(secret, []byte("aws_secret_access_key=x\n"), 0o600))
	require.NoError(t, os.Symlink(secret, filepath.Join(ctxDir, "provision.sh")))

	_, err := parseRecipe("ami.yaml", ctxDir, []byte("source: {ami: ami-123}\nscripts: [provision.sh]\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `ami.yaml:2:11: scripts[0]: "provision.sh" leads out of the build context `+ctxDir+` through a symbolic link: keep scripts inside it`)
}
