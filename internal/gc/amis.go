package gc

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// AMI is the kind of an Item that is the AMIs of one release, in every
// region it recorded, with their snapshots.
const AMI Kind = "ami"

// AMIRef is one AMI in one region.
type AMIRef struct {
	Region string `json:"region"`
	ID     string `json:"id"`
}

func (a AMIRef) String() string { return a.Region + " " + a.ID }

// Referenced is an AMI something outside the record still launches from:
// a launch template version an Auto Scaling group of the project uses.
type Referenced struct {
	AMI AMIRef
	By  string // what refers to it, in words
}

// amis lists the releases whose AMIs gc removes: every release with AMIs
// that is not protected, not already removed, and shares no AMI with a
// release that is kept or with a launch template in use. The releases kept
// only because of such an AMI are returned as kept, with why.
func (c *catalog) amis(prot *Protection, removed map[string]bool, referenced []Referenced) ([]Item, []Kept) {
	keptBy := map[AMIRef]string{} // AMI -> why it stays
	for _, ref := range referenced {
		if _, ok := keptBy[ref.AMI]; !ok {
			keptBy[ref.AMI] = "AMI " + ref.AMI.String() + " is in " + ref.By
		}
	}
	for _, r := range c.releases {
		if prot.Release(r) {
			for _, a := range amiRefs(r.AMIs) {
				if _, ok := keptBy[a]; !ok {
					keptBy[a] = "AMI " + a.String() + " is kept with " + r.Image + "@" + r.Version
				}
			}
		}
	}
	var items []Item
	var kept []Kept
	for _, r := range c.releases {
		name := r.Image + "@" + r.Version
		if len(r.AMIs) == 0 || prot.Release(r) || removed[name] {
			continue
		}
		var reasons []string
		for _, a := range amiRefs(r.AMIs) {
			if why, ok := keptBy[a]; ok {
				reasons = append(reasons, why)
			}
		}
		if len(reasons) > 0 {
			kept = append(kept, Kept{Image: r.Image, Version: r.Version, Digest: r.Digest, Reasons: reasons})
			continue
		}
		items = append(items, Item{Kind: AMI, Name: amiWords(r.AMIs), Image: r.Image, Digest: r.Digest,
			Releases: []string{name}, AMIs: maps.Clone(r.AMIs)})
	}
	return items, kept
}

// amiRefs lists a release's AMIs, by region.
func amiRefs(amis map[string]string) []AMIRef {
	out := make([]AMIRef, 0, len(amis))
	for _, region := range slices.Sorted(maps.Keys(amis)) {
		out = append(out, AMIRef{Region: region, ID: amis[region]})
	}
	return out
}

// amiWords says a release's AMIs as "us-east-1 ami-1, eu-west-1 ami-2",
// by region.
func amiWords(amis map[string]string) string {
	var words []string
	for _, region := range slices.Sorted(maps.Keys(amis)) {
		words = append(words, fmt.Sprintf("%s %s", region, amis[region]))
	}
	return strings.Join(words, ", ")
}
