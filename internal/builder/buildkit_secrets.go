package builder

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// A build gets its secrets from BuildKit's secret mounts: the value is a
// file under /run/secrets for the length of one RUN step, never in a layer,
// the image's history or a build argument, and the build needs no network
// of the host's.
//
// {{ secret "NAME" }} renders as a placeholder in the prepared Dockerfile,
// so the inputs digest and the template digest are those of the template,
// not of a secret's value. Before the build, each RUN step that holds a
// placeholder gets a secret mount of NAME and the placeholder becomes the
// shell expression that reads the mounted file; a template may also write
// RUN --mount=type=secret,id=NAME itself, as in any Dockerfile.

// secretPlaceholder is what {{ secret "NAME" }} renders to.
func secretPlaceholder(name string) (string, error) {
	return "$(bake-secret " + name + ")", nil
}

// secretUse finds the placeholders {{ secret "NAME" }} rendered to.
var secretUse = regexp.MustCompile(`\$\(bake-secret ([a-z][a-z0-9_]*)\)`)

// secretPath is where a RUN step finds the secret NAME.
func secretPath(name string) string { return "/run/secrets/" + name }

// mountSecrets turns every placeholder into a read of the mounted secret and
// adds the mounts to the RUN steps that use them. A placeholder anywhere
// but in a RUN step is a template error: nothing else can read a secret
// without writing it into the image.
func mountSecrets(dockerfile []byte) ([]byte, error) {
	if !secretUse.Match(dockerfile) {
		return dockerfile, nil
	}
	// Only the lines of each instruction are wanted: the placeholders, which
	// hold a space, are hidden from the parser's reading of arguments.
	res, err := parser.Parse(bytes.NewReader(secretUse.ReplaceAll(dockerfile, []byte("secret"))))
	if err != nil {
		return nil, fmt.Errorf("%w: the rendered Dockerfile does not parse: %v", ErrTemplate, err)
	}
	lines := strings.SplitAfter(string(dockerfile), "\n")
	mounts := map[int][]string{} // first line of a RUN step (0-based) -> secrets it uses
	for _, node := range res.AST.Children {
		from, to := node.StartLine-1, node.EndLine
		names := usedSecrets(lines[from:to])
		if len(names) == 0 {
			continue
		}
		if !strings.EqualFold(node.Value, "run") {
			return nil, fmt.Errorf("%w: Dockerfile.tmpl line %d: {{ secret %q }} is used by %s; only a RUN step can use a secret",
				ErrTemplate, node.StartLine, names[0], strings.ToUpper(node.Value))
		}
		mounts[from] = names
	}
	for at, names := range mounts {
		line := lines[at]
		i := strings.Index(strings.ToUpper(line), "RUN") + len("RUN")
		var flags strings.Builder
		for _, name := range names {
			fmt.Fprintf(&flags, " --mount=type=secret,id=%s,required=true", name)
		}
		lines[at] = line[:i] + flags.String() + line[i:]
	}
	out := secretUse.ReplaceAllStringFunc(strings.Join(lines, ""), func(m string) string {
		return "$(cat " + secretPath(secretUse.FindStringSubmatch(m)[1]) + ")"
	})
	return []byte(out), nil
}

// usedSecrets are the names of the secrets whose placeholders lines hold, sorted, once each.
func usedSecrets(lines []string) []string {
	var names []string
	for _, line := range lines {
		for _, m := range secretUse.FindAllStringSubmatch(line, -1) {
			if !slices.Contains(names, m[1]) {
				names = append(names, m[1])
			}
		}
	}
	slices.Sort(names)
	return names
}
