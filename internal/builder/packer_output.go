package builder

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// ErrPackerBuild marks a build that Packer reported as failed.
var ErrPackerBuild = errors.New("packer build failed")

// ErrPackerInterrupted marks a Packer run that was interrupted and cleaned up after itself.
var ErrPackerInterrupted = errors.New("packer build interrupted")

// Builder ids of the Packer artifacts bake knows how to use.
const (
	PackerDockerCommit = "packer.post-processor.docker-import" // docker builder with commit = true: ID is the image id
	PackerDockerExport = "packer.docker"                       // docker builder with export_path: a tarball in Files
	PackerAmazonEBS    = "mitchellh.amazonebs"
)

// amiBuilders are the builder ids whose artifact id lists region:ami pairs.
var amiBuilders = map[string]bool{
	PackerAmazonEBS:                 true,
	"mitchellh.amazon.ebssurrogate": true,
	"mitchellh.amazon.instance":     true,
	"mitchellh.amazon.chroot":       true,
}

// PackerUI is one line Packer showed to people while it ran.
type PackerUI struct {
	Kind string // "say", "message" or "error"; "" for a line that is not machine-readable
	Text string
}

// PackerArtifact is one artifact a Packer build reported.
type PackerArtifact struct {
	Build     string // the build that made it: "docker.debian" (HCL2) or "docker" (JSON)
	BuilderID string // which builder or post-processor made it
	ID        string
	String    string // Packer's description for people
	Files     []string
}

// AMIs returns the region -> AMI id map of an Amazon artifact, nil for any other.
func (a PackerArtifact) AMIs() map[string]string {
	if !amiBuilders[a.BuilderID] {
		return nil
	}
	amis := map[string]string{}
	for _, part := range strings.Split(a.ID, ",") {
		region, ami, ok := strings.Cut(part, ":")
		if ok && region != "" && ami != "" {
			amis[region] = ami
		}
	}
	if len(amis) == 0 {
		return nil
	}
	return amis
}

// DockerImageID returns the engine image id of a committed docker build, "" for any other artifact.
func (a PackerArtifact) DockerImageID() string {
	if a.BuilderID == PackerDockerCommit && strings.HasPrefix(a.ID, "sha256:") {
		return a.ID
	}
	return ""
}

// PackerBuildError is one build that Packer reported as failed.
type PackerBuildError struct {
	Build   string
	Message string
}

func (e *PackerBuildError) Error() string {
	return fmt.Sprintf("packer build %q failed: %s", e.Build, e.Message)
}

// Unwrap lets errors.Is match ErrPackerBuild.
func (e *PackerBuildError) Unwrap() error { return ErrPackerBuild }

// PackerResult is what one `packer build -machine-readable` run reported.
type PackerResult struct {
	Artifacts   []PackerArtifact   // complete artifacts, in the order Packer finished them
	Errors      []PackerBuildError // builds that failed
	UIErrors    []string           // errors shown to people: the only trace of a template Packer rejected
	Unparsed    []string           // the last lines that were not machine-readable (a crash, stray stderr)
	Interrupted bool
}

// maxUnparsed bounds PackerResult.Unparsed.
const maxUnparsed = 20

// Err says why the run failed, or nil if it reported no failure.
// Failed builds come first; a run that reported only errors for people is a
// template Packer refused to start.
func (r PackerResult) Err() error {
	if len(r.Errors) > 0 {
		errs := make([]error, len(r.Errors))
		for i := range r.Errors {
			errs[i] = &r.Errors[i]
		}
		return errors.Join(errs...)
	}
	if r.Interrupted {
		return ErrPackerInterrupted
	}
	if len(r.UIErrors) > 0 {
		return fmt.Errorf("%w: packer rejected the template: %s", ErrTemplate, strings.Join(r.UIErrors, "; "))
	}
	return nil
}

// ParsePackerOutput reads `packer build -machine-readable` output to the end,
// passing every line meant for people to ui (which may be nil).
func ParsePackerOutput(r io.Reader, ui func(PackerUI)) (PackerResult, error) {
	p := newPackerParser(ui)
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			p.line(line)
		}
		if err == io.EOF {
			return p.result(), nil
		}
		if err != nil {
			return p.result(), fmt.Errorf("reading packer output: %w", err)
		}
	}
}

// packerParser turns machine-readable lines into a PackerResult, one line at a time.
type packerParser struct {
	ui      func(PackerUI)
	res     PackerResult
	pending map[artifactKey]*PackerArtifact
}

type artifactKey struct {
	build string
	index int
}

func newPackerParser(ui func(PackerUI)) *packerParser {
	if ui == nil {
		ui = func(PackerUI) {}
	}
	return &packerParser{ui: ui, pending: map[artifactKey]*PackerArtifact{}}
}

var packerUnescaper = strings.NewReplacer(`%!(PACKER_COMMA)`, ",", `\n`, "\n", `\r`, "\r")

// unescapePacker undoes Packer's escaping of one field. Packer does not
// escape backslashes, so a literal `\n` in a message comes back as a newline.
func unescapePacker(s string) string { return packerUnescaper.Replace(s) }

// line handles one line of output: timestamp,target,type,data...
func (p *packerParser) line(raw string) {
	raw = strings.TrimRight(raw, "\r\n")
	fields := strings.Split(raw, ",")
	if len(fields) < 3 {
		p.raw(raw)
		return
	}
	if _, err := strconv.ParseInt(fields[0], 10, 64); err != nil {
		p.raw(raw)
		return
	}
	for i := range fields {
		fields[i] = unescapePacker(fields[i])
	}
	target, kind, data := fields[1], fields[2], fields[3:]
	switch kind {
	case "ui":
		p.uiLine(data)
	case "error":
		if len(data) > 0 {
			msg := strings.TrimSpace(strings.Join(data, ","))
			p.res.Errors = append(p.res.Errors, PackerBuildError{Build: target, Message: msg})
		}
	case "artifact":
		p.artifact(target, data)
	}
}

// raw passes on a line that is not machine-readable (a crash, a plugin's stray output).
func (p *packerParser) raw(line string) {
	if strings.TrimSpace(line) == "" {
		return
	}
	p.ui(PackerUI{Text: line})
	if len(p.res.Unparsed) == maxUnparsed {
		p.res.Unparsed = p.res.Unparsed[1:]
	}
	p.res.Unparsed = append(p.res.Unparsed, line)
}

func (p *packerParser) uiLine(data []string) {
	if len(data) < 2 {
		return
	}
	u := PackerUI{Kind: data[0], Text: strings.Join(data[1:], ",")}
	p.ui(u)
	if u.Kind != "error" {
		if strings.HasPrefix(u.Text, "Cleanly cancelled builds after being interrupted") {
			p.res.Interrupted = true
		}
		return
	}
	switch msg := strings.TrimSpace(u.Text); {
	case strings.HasPrefix(msg, "Cancelling build after receiving interrupt"):
		p.res.Interrupted = true
	case strings.HasPrefix(msg, "Build '"), strings.HasPrefix(msg, "==> Some builds"), strings.HasPrefix(msg, "--> "):
		// Repeats, for people, what the error lines say.
	default:
		p.res.UIErrors = append(p.res.UIErrors, msg)
	}
}

// artifact handles artifact,N,field,value... lines; an artifact counts once its end line arrives.
func (p *packerParser) artifact(build string, data []string) {
	if len(data) < 2 {
		return
	}
	n, err := strconv.Atoi(data[0])
	if err != nil {
		return
	}
	key := artifactKey{build, n}
	a := p.pending[key]
	if a == nil {
		a = &PackerArtifact{Build: build}
		p.pending[key] = a
	}
	value := strings.Join(data[2:], ",")
	switch data[1] {
	case "builder-id":
		a.BuilderID = value
	case "id":
		a.ID = value
	case "string":
		a.String = value
	case "file":
		if len(data) >= 4 {
			a.Files = append(a.Files, strings.Join(data[3:], ","))
		}
	case "nil":
		a.BuilderID = ""
	case "end":
		delete(p.pending, key)
		if a.BuilderID != "" {
			p.res.Artifacts = append(p.res.Artifacts, *a)
		}
	}
}

func (p *packerParser) result() PackerResult {
	return p.res
}

// packerBuilds names the builds of artifacts, sorted, for messages.
func packerBuilds(arts []PackerArtifact) string {
	names := make([]string, 0, len(arts))
	for _, a := range arts {
		names = append(names, strconv.Quote(a.Build))
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
