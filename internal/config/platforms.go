package config

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// platformArchs are the architectures (with the variants each takes) an
// image may be built for: those BuildKit builds and Debian's
// qemu-user-static can run in the sandbox on another machine.
var platformArchs = map[string][]string{
	"amd64": nil, "386": nil, "arm64": {"v8"}, "arm": {"v5", "v6", "v7"},
	"ppc64le": nil, "s390x": nil, "riscv64": nil, "mips64le": nil, "loong64": nil,
}

// platforms decodes an image's platforms: a list of linux/ARCH[/VARIANT],
// each once. Only a buildkitd builds them all into one index: the legacy
// builder is refused here, the engine's own BuildKit by the builder, which
// knows whether BUILDKIT_HOST names a buildkitd.
func (d *decoder) platforms(path string, at, n *yaml.Node, img *Image, legacy bool) {
	list, ok := d.strings(path, n)
	if !ok {
		return
	}
	img.PlatformsAt = Error{File: d.File, Line: at.Line, Column: at.Column, Key: path, Kind: ErrInvalid}
	if legacy {
		d.Errorf(at, path, "the legacy builder builds one platform: remove `builder: legacy` or platforms, and build with a buildkitd (builder.address)")
		return
	}
	for i, p := range list {
		item := resolve(n.Content[i])
		if msg := checkPlatform(p); msg != "" {
			d.Errorf(item, index(path, i), "%s", msg)
			continue
		}
		if slices.Contains(img.Platforms, p) {
			d.Errorf(item, index(path, i), "%s is listed twice", p)
			continue
		}
		img.Platforms = append(img.Platforms, p)
	}
}

// checkPlatform says what is wrong with p as a platform ("" if nothing).
func checkPlatform(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return fmt.Sprintf("%q is not a platform: write OS/ARCH or OS/ARCH/VARIANT, such as linux/arm64", p)
	}
	if parts[0] != "linux" {
		return fmt.Sprintf("%q: the sandbox runs linux images only; expected linux/ARCH", p)
	}
	variants, ok := platformArchs[parts[1]]
	if !ok {
		archs := make([]string, 0, len(platformArchs))
		for a := range platformArchs {
			archs = append(archs, a)
		}
		slices.Sort(archs)
		msg := fmt.Sprintf("%q: unknown architecture %q; expected one of: %s", p, parts[1], strings.Join(archs, ", "))
		if s := suggest(parts[1], archs); s != "" {
			msg = fmt.Sprintf("%q: unknown architecture %q; did you mean %q?", p, parts[1], "linux/"+s)
		}
		return msg
	}
	if len(parts) == 3 && !slices.Contains(variants, parts[2]) {
		if len(variants) == 0 {
			return fmt.Sprintf("%q: %s has no variants; write linux/%s", p, parts[1], parts[1])
		}
		return fmt.Sprintf("%q: unknown variant %q of %s; expected one of: %s", p, parts[2], parts[1], strings.Join(variants, ", "))
	}
	return ""
}
