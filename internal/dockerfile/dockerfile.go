// Package dockerfile reads what bake needs to know of a plain Dockerfile,
// one built as it is rather than rendered from a template: the build
// arguments it declares, the ports it exposes and where its own health
// check looks. It parses with BuildKit's Dockerfile parser, so it reads a
// Dockerfile as the engine does (continuations, heredocs, escape directive).
package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// File is what a Dockerfile declares.
type File struct {
	Path string
	// Args are the names its ARG instructions declare, in order, each once
	// (global ones before the first FROM and those of every stage).
	Args []string
	// Ports are the TCP ports its EXPOSE instructions name with a number,
	// in order, each once; a port given as a variable is left out.
	Ports []int
	// HealthPath is the URL path its HEALTHCHECK fetches from the
	// container itself ("" when it has none, or does something else).
	HealthPath string
	// BareBaseLine is the line of the first FROM that builds on
	// ${BAKE_BASE} while the ARG before it gives no default, so that it
	// builds only when bake passes a base; 0 when there is none.
	BareBaseLine int
	// Sources are the paths its COPY and ADD steps take from the build
	// context, as written, where they name one path: no pattern, variable,
	// URL, heredoc or other stage.
	Sources []string
	// Secrets are the secrets its RUN steps mount, in order, each once:
	// the build gets only those bake offers under the same id.
	Secrets []SecretMount
}

// Declares reports whether the Dockerfile declares build argument name.
func (f File) Declares(name string) bool { return slices.Contains(f.Args, name) }

// Read reads and parses the Dockerfile at path.
func Read(path string) (File, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return File{}, fmt.Errorf("reading %s: %w", path, err)
	}
	return Parse(path, src)
}

// Parse parses src, the Dockerfile at path. A problem is reported as
// PATH:LINE: what is wrong.
func Parse(path string, src []byte) (File, error) {
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return File{}, located(path, err)
	}
	if err := checkInstructions(path, res.AST); err != nil {
		return File{}, err
	}
	f := File{Path: path}
	stages, baseDefault := 0, false
	for _, n := range res.AST.Children {
		switch strings.ToLower(n.Value) {
		case "arg":
			for a := n.Next; a != nil; a = a.Next {
				name, _, hasDefault := strings.Cut(a.Value, "=")
				if !f.Declares(name) {
					f.Args = append(f.Args, name)
				}
				if name == "BAKE_BASE" && stages == 0 && hasDefault {
					baseDefault = true
				}
			}
		case "from":
			stages++
			if n.Next != nil && f.BareBaseLine == 0 && !baseDefault && usesBase(n.Next.Value) {
				f.BareBaseLine = n.StartLine
			}
		case "expose":
			for p := n.Next; p != nil; p = p.Next {
				if port, ok := tcpPort(p.Value); ok && !slices.Contains(f.Ports, port) {
					f.Ports = append(f.Ports, port)
				}
			}
		case "healthcheck":
			f.HealthPath = healthPath(n.Original)
		case "copy", "add":
			if err := checkRemoteSource(path, n); err != nil {
				return File{}, err
			}
			f.Sources = append(f.Sources, contextSources(n)...)
		case "run":
			for _, m := range secretMounts(n) {
				if !slices.ContainsFunc(f.Secrets, func(s SecretMount) bool { return s.ID == m.ID }) {
					f.Secrets = append(f.Secrets, m)
				}
			}
		}
	}
	return f, nil
}

// checkInstructions reads every instruction as BuildKit's frontend will
// (an unknown one, missing arguments, a bad flag, a step before any FROM),
// so a Dockerfile that cannot build is bad input when bake.yaml loads,
// not a failed build later.
func checkInstructions(path string, ast *parser.Node) error {
	for _, n := range ast.Children {
		if kind := strings.ToLower(n.Value); kind == "from" {
			break
		} else if kind != "arg" {
			if _, err := instructions.ParseInstruction(n); err != nil {
				return located(path, err) // an unknown instruction, say FROMM
			}
			return fmt.Errorf("%s:%d: %s before the first FROM: only ARG may come before it", path, n.StartLine, strings.ToUpper(kind))
		}
	}
	stages, _, err := instructions.Parse(ast, nil)
	if err != nil {
		return located(path, err)
	}
	if len(stages) == 0 {
		return fmt.Errorf("%s: no FROM instruction: a Dockerfile starts a stage with FROM before its other steps", path)
	}
	return nil
}

// bareBase is the BAKE_BASE argument in a FROM's image without a default
// of its own (${BAKE_BASE:-scratch} has one).
var bareBase = regexp.MustCompile(`\$\{BAKE_BASE\}|\$BAKE_BASE\b`)

// usesBase reports whether a FROM's image is BAKE_BASE with no default.
func usesBase(image string) bool { return bareBase.MatchString(image) }

// located formats a parser error with the first line it names.
func located(path string, err error) error {
	var loc *parser.LocationError
	if errors.As(err, &loc) && len(loc.Locations) > 0 && len(loc.Locations[0]) > 0 {
		if line := loc.Locations[0][0].Start.Line; line > 0 {
			return fmt.Errorf("%s:%d: %v", path, line, errors.Unwrap(loc))
		}
	}
	return fmt.Errorf("%s: %w", path, err)
}

// tcpPort reads one EXPOSE value: 8080 or 8080/tcp; not a range, a
// variable or a UDP port.
func tcpPort(v string) (int, bool) {
	num, proto, _ := strings.Cut(v, "/")
	if proto != "" && !strings.EqualFold(proto, "tcp") {
		return 0, false
	}
	port, err := strconv.Atoi(num)
	if err != nil || port < 1 || port > 65535 {
		return 0, false
	}
	return port, true
}

// localURL is an HTTP URL on the container itself, as a HEALTHCHECK's curl
// or wget fetches it.
var localURL = regexp.MustCompile(`https?://(?:localhost|127\.0\.0\.1|0\.0\.0\.0)(?::\d+)?(/[^\s"'\\]*)?`)

// healthPath is the path of the local URL a HEALTHCHECK line fetches.
func healthPath(line string) string {
	m := localURL.FindStringSubmatch(line)
	switch {
	case m == nil:
		return ""
	case m[1] == "":
		return "/"
	default:
		return m[1]
	}
}

// ErrRemoteSource means an ADD step fetches a URL or a git repository.
var ErrRemoteSource = errors.New("ADD of a URL")

// checkRemoteSource refuses an ADD of a URL or git repository. The engine
// fetches it from the host's own network, not the build step's, so a
// Dockerfile from a pull request could pull a loopback-only service (the
// registry, moto, the instance metadata service) into a pushed image; and
// what it fetches is no input bake digests, so a change there would never
// rebuild.
func checkRemoteSource(path string, n *parser.Node) error {
	if !strings.EqualFold(n.Value, "add") {
		return nil
	}
	var args []string
	for a := n.Next; a != nil; a = a.Next {
		args = append(args, a.Value)
	}
	if len(args) < 2 {
		return nil
	}
	for _, src := range args[:len(args)-1] {
		if strings.Contains(src, "://") || strings.HasPrefix(src, "git@") {
			return fmt.Errorf("%s:%d: %w (%q): the engine would fetch it from the host's network, where loopback-only services answer, and its content is no input bake digests: "+
				"put the file in the build context, or fetch it in a RUN step, which runs on the build's own network",
				path, n.StartLine, ErrRemoteSource, src)
		}
	}
	return nil
}

// contextSources are the plain paths a COPY or ADD takes from the build
// context: every argument but the last (the destination), in JSON form or
// not, unless the step copies from another stage or image.
func contextSources(n *parser.Node) []string {
	for _, flag := range n.Flags {
		if strings.HasPrefix(flag, "--from=") {
			return nil
		}
	}
	var args []string
	for a := n.Next; a != nil; a = a.Next {
		args = append(args, a.Value)
	}
	if len(args) < 2 || len(n.Heredocs) > 0 {
		return nil
	}
	var out []string
	for _, src := range args[:len(args)-1] {
		if strings.ContainsAny(src, "*?[$") || strings.Contains(src, "://") || strings.HasPrefix(src, "<<") {
			continue
		}
		out = append(out, src)
	}
	return out
}
