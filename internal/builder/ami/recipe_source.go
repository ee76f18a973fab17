package ami

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bakehq/bake/internal/yamlerr"
)

// imageFilters are the filter names DescribeImages accepts, besides
// tag:KEY; a name EC2 does not know fails the call, so it is bad input.
var imageFilters = []string{
	"architecture", "block-device-mapping.delete-on-termination", "block-device-mapping.device-name",
	"block-device-mapping.encrypted", "block-device-mapping.snapshot-id", "block-device-mapping.volume-size",
	"block-device-mapping.volume-type", "boot-mode", "creation-date", "deprecation-time", "description",
	"ena-support", "free-tier-eligible", "hypervisor", "image-allowed", "image-id", "image-type",
	"imds-support", "is-public", "kernel-id", "manifest-location", "name", "owner-alias", "owner-id",
	"platform", "platform-details", "product-code", "product-code.type", "ramdisk-id", "root-device-name",
	"root-device-type", "source-image-id", "source-image-region", "source-instance-id", "sriov-net-support",
	"state", "state-reason-code", "state-reason-message", "tag-key", "usage-operation", "virtualization-type",
}

// filterValues are the values some filters can only have: any other
// matches no image, which is a mistake better named than searched for.
var filterValues = map[string][]string{
	"architecture":        {"i386", "x86_64", "arm64", "x86_64_mac", "arm64_mac"},
	"boot-mode":           {"legacy-bios", "uefi", "uefi-preferred"},
	"ena-support":         {"true", "false"},
	"free-tier-eligible":  {"true", "false"},
	"hypervisor":          {"ovm", "xen"},
	"image-type":          {"machine", "kernel", "ramdisk"},
	"imds-support":        {"v2.0"},
	"is-public":           {"true", "false"},
	"platform":            {"windows"},
	"root-device-type":    {"ebs", "instance-store"},
	"state":               {"available", "pending", "failed"},
	"virtualization-type": {"paravirtual", "hvm"},
	"owner-alias":         {"amazon", "aws-marketplace", "aws-backup-vault"},
}

// ownerAliases are the owners DescribeImages takes besides account ids.
var ownerAliases = []string{"self", "amazon", "aws-marketplace", "aws-backup-vault"}

var ownerAccount = regexp.MustCompile(`^[0-9]{12}$`)

// source reads source:, at its key. It returns where an image that EC2
// does not have is reported: the AMI id, or the key source.
func (d *recipeDecoder) source(at, n *yaml.Node) (Source, *yaml.Node) {
	var src Source
	s, ok := d.Section("source", at, n, "ami", "filters", "owners")
	if !ok {
		return src, at
	}
	ami, filters, owners := s.Get("ami"), s.Get("filters"), s.Get("owners")
	switch {
	case ami != nil && (filters != nil || owners != nil):
		d.Errorf(s.Key("ami"), "source.ami", "give an AMI id or filters and owners, not both")
	case ami != nil:
		if id, ok := d.str("source.ami", ami); ok {
			if !strings.HasPrefix(id, "ami-") {
				d.Errorf(ami, "source.ami", "expected an AMI id (ami-...), got %q", id)
			}
			src.AMI = id
			at = ami
		}
	case filters == nil:
		if !s.Misspelt("ami") && !s.Misspelt("filters") {
			d.Errorf(n, "source", "needs ami, or filters and owners")
		}
	case owners == nil:
		if !s.Misspelt("owners") {
			d.Errorf(s.Key("filters"), "source.owners", "required with filters (account ids, \"self\" or an alias such as \"amazon\"), so an image anyone published cannot be picked")
		}
	default:
		src.Owners = d.list("source.owners", owners, d.owner)
		src.Filters = d.filters(filters)
	}
	return src, at
}

// owner checks one of source.owners: an account id or an alias.
func (d *recipeDecoder) owner(n *yaml.Node, key, s string) bool {
	if ownerAccount.MatchString(s) || slices.Contains(ownerAliases, s) {
		return true
	}
	if sug := yamlerr.Suggest(s, ownerAliases); sug != "" && !isDigits(s) {
		d.Errorf(n, key, "unknown owner %q; did you mean %q?", s, sug)
	} else {
		d.Errorf(n, key, "expected a 12-digit account id (quoted) or one of %s, got %q", strings.Join(ownerAliases, ", "), s)
	}
	return false
}

func isDigits(s string) bool {
	return strings.Trim(s, "0123456789") == ""
}

// filters reads source.filters: names DescribeImages knows, each with the
// values it can match.
func (d *recipeDecoder) filters(n *yaml.Node) map[string][]string {
	out := map[string][]string{}
	entries, ok := d.Entries("source.filters", n)
	for _, e := range entries {
		name, key := e.Name(), yamlerr.Join("source.filters", e.Name())
		if !strings.HasPrefix(name, "tag:") && !slices.Contains(imageFilters, name) {
			if sug := yamlerr.Suggest(name, imageFilters); sug != "" {
				d.Errorf(e.Key, key, "unknown image filter; did you mean %q?", sug)
			} else {
				d.Errorf(e.Key, key, "unknown image filter; DescribeImages takes names such as name, architecture, "+
					"root-device-type, virtualization-type, owner-alias or tag:KEY")
			}
			continue
		}
		out[name] = d.list(key, yamlerr.Resolve(e.Value), func(v *yaml.Node, k, s string) bool {
			return d.filterValue(name, v, k, s)
		})
	}
	if ok && len(entries) == 0 {
		d.Errorf(n, "source.filters", "empty: name at least one filter, such as name: \"debian-12-amd64-*\"")
	}
	return out
}

// filterValue checks a value of a filter that has only a few: wildcards
// are left to EC2.
func (d *recipeDecoder) filterValue(name string, n *yaml.Node, key, s string) bool {
	known, ok := filterValues[name]
	if !ok || slices.Contains(known, s) || strings.ContainsAny(s, "*?") {
		return true
	}
	msg := fmt.Sprintf("%q matches no image; expected one of: %s", s, strings.Join(known, ", "))
	if sug := yamlerr.Suggest(s, known); sug != "" {
		msg = fmt.Sprintf("%q matches no image; did you mean %q?", s, sug)
	}
	d.Errorf(n, key, "%s", msg)
	return false
}
