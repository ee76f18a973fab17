package config

import (
	"slices"
	"strings"
)

// checkBases reports base: values that name no image, the image itself, or
// close a cycle. A cycle is reported once, at the first of its images in the file.
func (d *decoder) checkBases(set *imageSet) {
	next := map[string]string{}
	for _, img := range set.list {
		n, ok := set.base[img.Name]
		if !ok {
			continue
		}
		key := join(join("images", img.Name), "base")
		switch {
		case img.Base == img.Name:
			d.Errorf(n, key, "an image cannot be its own base")
		case set.byName[img.Base] == nil:
			others := slices.DeleteFunc(slices.Clone(set.names), func(s string) bool { return s == img.Name })
			d.Errorf(n, key, "%s", unknownName("image", img.Base, others))
		default:
			next[img.Name] = img.Base
		}
	}
	inCycle := map[string]bool{}
	for _, img := range set.list {
		if inCycle[img.Name] {
			continue
		}
		chain := []string{img.Name}
		for cur := next[img.Name]; cur != ""; cur = next[cur] {
			if cur == img.Name {
				for _, c := range chain {
					inCycle[c] = true
				}
				d.Errorf(set.base[img.Name], join(join("images", img.Name), "base"),
					"base images form a cycle: %s -> %s", strings.Join(chain, " -> "), img.Name)
				break
			}
			if slices.Contains(chain, cur) {
				break
			}
			chain = append(chain, cur)
		}
	}
}
