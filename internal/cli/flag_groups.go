package cli

import (
	"regexp"
	"strings"
)

// exclusiveSet matches cobra's complaint about flags marked mutually
// exclusive; its second list names the flags that were given.
var exclusiveSet = regexp.MustCompile(`^if any flags in the group \[[^\]]*\] are set none of the others can be; \[([^\]]*)\] were all set`)

// exclusiveFlags says cobra's complaint about two flags that cannot go
// together in bake's words: "--continue and --plan cannot be used
// together: give one of them". ok is false for any other complaint.
func exclusiveFlags(msg string) (string, bool) {
	m := exclusiveSet.FindStringSubmatch(msg)
	if m == nil {
		return "", false
	}
	names := strings.Fields(m[1])
	for i, n := range names {
		names[i] = "--" + n
	}
	list := strings.Join(names, " and ")
	if len(names) > 2 {
		list = strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	}
	return list + " cannot be used together: give one of them", true
}
