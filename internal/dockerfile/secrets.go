package dockerfile

import (
	"encoding/csv"
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// SecretMount is a secret a RUN step mounts (RUN --mount=type=secret):
// the id the build asks for, and the line of its first use.
type SecretMount struct {
	ID   string
	Line int
}

// secretMounts reads the secret mounts of one RUN instruction's --mount
// flags and names each as BuildKit's frontend does: id= (or source=), else
// the base name of target=. A mount whose id is a variable is left out:
// only the build knows its value.
func secretMounts(n *parser.Node) []SecretMount {
	var out []SecretMount
	for _, flag := range n.Flags {
		value, ok := strings.CutPrefix(flag, "--mount=")
		if !ok {
			continue
		}
		fields, err := csv.NewReader(strings.NewReader(value)).Read()
		if err != nil {
			continue // the frontend reports it when it builds
		}
		var kind, id, target string
		for _, field := range fields {
			key, v, _ := strings.Cut(field, "=")
			switch strings.ToLower(key) {
			case "type":
				kind = strings.ToLower(v)
			case "id", "source", "src":
				id = v
			case "target", "dst", "destination":
				target = v
			}
		}
		if kind != "secret" {
			continue
		}
		if id == "" && target != "" {
			id = path.Base(target)
		}
		if id != "" && !strings.Contains(id, "$") {
			out = append(out, SecretMount{ID: id, Line: n.StartLine})
		}
	}
	return out
}
