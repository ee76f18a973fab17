package main

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var (
	reusedLine    = regexp.MustCompile(`inputs unchanged since webapp@[0-9.]*, reusing sha256:`)
	baseVar       = regexp.MustCompile(`\{\{ *\.Base *\}\}`)
	waitCompleted = regexp.MustCompile(`Wait completed after [^,\n]*`)
	imageID       = regexp.MustCompile(`(?m)^sha256:[0-9a-f]+`)
)

// bakingTable: baking unchanged inputs, against Packer and docker build.
func (b *bench) bakingTable() string {
	baseRef := b.reference("debian", "1.0.0")
	var images []string // tags and ids of the images this table makes
	removeMade := func() {
		if len(images) > 0 {
			_ = exec.Command("docker", append([]string{"rmi", "-f"}, images...)...).Run()
			images = nil
		}
	}
	b.atExit(removeMade)

	// What docker builds: webapp's build context with the Dockerfile bake
	// renders (its template with {{ .Base }} replaced by debian@1.0.0 by
	// digest). bake records the digest of the Dockerfile it rendered: the two
	// must be the same.
	dockerContext := filepath.Join(b.work, "webapp-docker")
	copyDir(filepath.Join(b.dir, "images", "webapp"), dockerContext)
	tmpl, err := os.ReadFile(filepath.Join(b.dir, "templates", "apt-service", "Dockerfile.tmpl"))
	if err != nil {
		die("%v", err)
	}
	dockerfile := baseVar.ReplaceAllLiteralString(string(tmpl), baseRef)
	if strings.Contains(dockerfile, "{{") {
		die("templates/apt-service/Dockerfile.tmpl uses more than {{ .Base }}: the bench cannot render it")
	}
	if err := os.WriteFile(filepath.Join(dockerContext, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		die("%v", err)
	}
	sum := sha256.Sum256([]byte(dockerfile))
	rendered := "sha256:" + hex.EncodeToString(sum[:])
	var shown struct {
		Provenance struct {
			TemplateDigest string `json:"template_digest"`
		} `json:"provenance"`
		Checks []json.RawMessage `json:"checks"`
	}
	if err := json.Unmarshal([]byte(b.output(b.dir, b.bake, "show", "webapp@1.0.0", "-o", "json")), &shown); err != nil {
		die("bake show webapp@1.0.0 -o json: %v", err)
	}
	if rendered != shown.Provenance.TemplateDigest {
		die("the Dockerfile rendered for docker build (%s) is not the one bake rendered for webapp@1.0.0 (%s)", rendered, shown.Provenance.TemplateDigest)
	}
	checks := len(shown.Checks)

	// Packer alone runs in a copy of the context, so nothing it might leave
	// there can change webapp's inputs.
	packerContext := filepath.Join(b.work, "webapp-packer")
	copyDir(filepath.Join(b.dir, "images", "webapp"), packerContext)
	packerTemplate := filepath.Join(b.dir, "templates", "apt-packer", "webapp.pkr.hcl")
	// Both docker builds use the engine's legacy builder: the docker CLI
	// here has no buildx, which BuildKit builds need. (The rebuild table
	// sets bake's BuildKit against the legacy builder.)
	dockerBuild := []string{"env", "DOCKER_BUILDKIT=0", "docker", "build"}

	logf("baking: warm docker build's cache (not measured)")
	images = append(images, "bench-warm:0")
	b.must("warm-up", b.dir, append(dockerBuild, "-q", "-t", "bench-warm:0", dockerContext)...)

	var reuse, releaseReuse, packerBake, packerRaw, warm, cold, bakeOut, rawOut, overWarm []float64
	for i := 1; i <= rounds; i++ {
		logf("baking round %d/%d: bake build (reuse), bake release 1.0.%d, packer through bake, packer alone, warm and cold docker build", i, rounds, i)

		reuseAt := math.NaN()
		name := fmt.Sprintf("build-reuse-%d", i)
		if o := b.bakeOp(name, b.dir, opTimeout, "build", "webapp", "--version", "1.0.0"); o.OK {
			if logMatches(o, reusedLine) {
				reuseAt = round(o.S(), 3)
				reuse = append(reuse, reuseAt)
			} else {
				b.failed = append(b.failed, fmt.Sprintf("%s: `bake build webapp --version 1.0.0` did not say it reused an artifact (see %s)", name, o.Log))
			}
		}

		name = fmt.Sprintf("release-reuse-%d", i)
		if o := b.bakeOp(name, b.dir, opTimeout, "release", "webapp", "--version", fmt.Sprintf("1.0.%d", i)); o.OK {
			if logMatches(o, reusedLine) {
				releaseReuse = append(releaseReuse, round(o.S(), 3))
			} else {
				b.failed = append(b.failed, fmt.Sprintf("%s: `bake release webapp --version 1.0.%d` did not say it reused an artifact (see %s)", name, i, o.Log))
			}
		}

		name = fmt.Sprintf("packer-bake-%d", i)
		o := b.bakeOp(name, b.dir, buildTimeout, "build", "webapp-packer", "--version", "1.0.0", "--force")
		id := builtID(o)
		if id != "" {
			images = append(images, id)
		}
		switch {
		case o.OK && id != "":
			packerBake = append(packerBake, round(o.S(), 3))
			if out, ok := outsidePacker(o); ok {
				bakeOut = append(bakeOut, out)
			}
		case o.OK:
			b.failed = append(b.failed, fmt.Sprintf("%s: `bake build webapp-packer --force` printed no built image (see %s)", name, o.Log))
		}

		o = b.timed(fmt.Sprintf("packer-raw-%d", i), b.dir, buildTimeout, "env", "-C", packerContext, "CHECKPOINT_DISABLE=1",
			"PACKER_CACHE_DIR="+filepath.Join(b.work, "packer-cache"), "packer", "build", "-machine-readable", "-color=false",
			"-var", "base="+baseRef, packerTemplate)
		if id := packerArtifact(o); id != "" {
			images = append(images, id)
		}
		if o.OK {
			packerRaw = append(packerRaw, round(o.S(), 3))
			if out, ok := outsidePacker(o); ok {
				rawOut = append(rawOut, out)
			}
		}

		tag := fmt.Sprintf("bench-warm:%d", i)
		images = append(images, tag)
		start := time.Now()
		name = fmt.Sprintf("warm-%d", i)
		if o := b.timed(name, b.dir, buildTimeout, append(dockerBuild, "-q", "-t", tag, dockerContext)...); o.OK {
			if fromCache(o, start) {
				warm = append(warm, round(o.S(), 3))
				if !math.IsNaN(reuseAt) {
					overWarm = append(overWarm, round(reuseAt-round(o.S(), 3), 3))
				}
			} else {
				b.failed = append(b.failed, fmt.Sprintf("%s: the warm docker build made a new image: not every step came from the cache (see %s)", name, o.Log))
			}
		}

		tag = fmt.Sprintf("bench-cold:%d", i)
		images = append(images, tag)
		if o := b.timed(fmt.Sprintf("cold-%d", i), b.dir, buildTimeout, append(dockerBuild, "-q", "--no-cache", "-t", tag, dockerContext)...); o.OK {
			cold = append(cold, round(o.S(), 3))
		}
	}
	logf("baking: removing the bench-cold, bench-warm and Packer images")
	removeMade()

	a, rel, pb, pr, c, w := statsOf(reuse), statsOf(releaseReuse), statsOf(packerBake), statsOf(packerRaw), statsOf(cold), statsOf(warm)
	vsPacker, vsCold := "-", "-"
	if len(reuse) > 0 && len(packerBake) > 0 {
		vsPacker = ratio(pb.Med, a.Med)
	}
	if len(reuse) > 0 && len(cold) > 0 {
		vsCold = ratio(c.Med, a.Med)
	}
	overMed, worstOver := "-", "-"
	if len(overWarm) > 0 {
		ow := statsOf(overWarm)
		overMed, worstOver = minus(ow.Med, 0), minus(ow.Max, 0)
	}
	bakeOutMed, rawOutMed := math.NaN(), math.NaN()
	if len(bakeOut) > 0 {
		bakeOutMed = statsOf(bakeOut).Med
	}
	if len(rawOut) > 0 {
		rawOutMed = statsOf(rawOut).Med
	}
	row := func(label string, v []float64, s stats) string {
		return fmt.Sprintf("| %s | %s | %s | %s | %d/%d | %s | %s |", label, s.med(3), s.min(3), s.max(3), len(v), rounds, each(v, 3), ratio(s.Med, a.Med))
	}
	diffs := make([]string, len(overWarm))
	for i, d := range overWarm {
		diffs[i] = minus(d, 0)
	}
	eachOver := "-"
	if len(diffs) > 0 {
		eachOver = strings.Join(diffs, " ")
	}
	var t strings.Builder
	fmt.Fprintf(&t, "\n### Baking: `webapp`, an `apt-get install` layer on debian, %d rounds, each operation once a round\n\n", rounds)
	t.WriteString("| operation | median s | min s | max s | ok | each run, s | median / bake reuse |\n")
	t.WriteString("| --- | ---: | ---: | ---: | ---: | --- | ---: |\n")
	fmt.Fprintf(&t, "| bake reuse: `bake build webapp --version 1.0.0` (inputs unchanged since a release) | %s | %s | %s | %d/%d | %s | 1.0 |\n", a.med(3), a.min(3), a.max(3), len(reuse), rounds, each(reuse, 3))
	t.WriteString(row(fmt.Sprintf("`bake release webapp --version 1.0.K`, K = 1..%d (reuse, %d checks, record, tag)", rounds, checks), releaseReuse, rel) + "\n")
	t.WriteString(row("packer build: `bake build webapp-packer --version 1.0.0 --force`", packerBake, pb) + "\n")
	t.WriteString(row("`packer build -var base=... webapp.pkr.hcl` alone", packerRaw, pr) + "\n")
	t.WriteString(row("cold: `docker build -q --no-cache` of the rendered context", cold, c) + "\n")
	t.WriteString(row("warm: `docker build -q` of the rendered context, every step cached", warm, w) + "\n")
	fmt.Fprintf(&t, `
| goal | target | measured | verdict |
| --- | --- | --- | --- |
| bake reuse at least 50x faster than packer build (median over median) | >= 50 | %s | %s |
| bake reuse at least 20x faster than the cold docker build (median over median) | >= 20 | %s | %s |
| bake reuse never more than 0.2 s slower than the warm docker build (bake reuse minus the warm build of the same round, worst of %d; median: %s s; each: %s) | <= +0.200 s | %s s | %s |

The packer build row runs Packer through bake, so it includes bake's own
overhead: asking Packer for its version, making sure the base is in the engine,
and one more build step that adds the labels. Packer's own build time varies
from run to run by more than that overhead, so it is measured apart: the time
of each run outside Packer's own build (what Packer reports as "Wait completed
after ..."), median %s s through bake against %s s for Packer alone:
bake adds %s s. The medians of the two rows differ by
%s s.
`, xfold(vsPacker), verdict(vsPacker, ">=", 50), xfold(vsCold), verdict(vsCold, ">=", 20),
		len(overWarm), overMed, eachOver, worstOver, verdict(worstOver, "<=", 0.2),
		f(bakeOutMed, 3), f(rawOutMed, 3), minus(bakeOutMed, rawOutMed), minus(pb.Med, pr.Med))
	b.webappChecks = checks
	return t.String()
}

func xfold(r string) string {
	if r == "-" {
		return r
	}
	return r + "x"
}

func logMatches(o op, re *regexp.Regexp) bool {
	data, _ := os.ReadFile(o.Log)
	return re.Match(data)
}

// builtID is the image id on the "built" line of a bake build.
func builtID(o op) string {
	data, _ := os.ReadFile(o.Log)
	id := ""
	for _, line := range strings.Split(string(data), "\n") {
		fs := strings.Fields(line)
		if len(fs) > 1 && fs[0] == "built" && strings.HasPrefix(fs[len(fs)-1], "sha256:") {
			id = fs[len(fs)-1]
		}
	}
	return id
}

// packerArtifact is the artifact id in packer's machine-readable output.
func packerArtifact(o op) string {
	data, _ := os.ReadFile(o.Log)
	id := ""
	for _, line := range strings.Split(string(data), "\n") {
		r := csv.NewReader(strings.NewReader(line))
		r.FieldsPerRecord = -1
		r.LazyQuotes = true
		fs, err := r.Read()
		if err == nil && len(fs) >= 6 && fs[2] == "artifact" && fs[4] == "id" {
			id = fs[5]
		}
	}
	return id
}

// outsidePacker is the seconds of a run that were not Packer's own build
// ("Wait completed after 7 seconds 553 milliseconds"); false when Packer did not say.
func outsidePacker(o op) (float64, bool) {
	data, _ := os.ReadFile(o.Log)
	all := waitCompleted.FindAllString(string(data), -1)
	if len(all) == 0 {
		return 0, false
	}
	words := strings.Fields(all[len(all)-1])[3:]
	if len(words) < 2 {
		return 0, false
	}
	inner := 0.0
	for i := 0; i+1 < len(words); i += 2 {
		n, err := strconv.ParseFloat(words[i], 64)
		if err != nil {
			continue
		}
		switch u := words[i+1]; {
		case strings.HasPrefix(u, "hour"):
			inner += n * 3600
		case strings.HasPrefix(u, "minute"):
			inner += n * 60
		case strings.HasPrefix(u, "second"):
			inner += n
		case strings.HasPrefix(u, "millisecond"):
			inner += n / 1000
		case strings.HasPrefix(u, "microsecond"):
			inner += n / 1e6
		}
	}
	return round(round(o.S(), 3)-inner, 3), true
}

// fromCache reports whether the image a docker build printed was made
// before start, so that every step came from the cache.
func fromCache(o op, start time.Time) bool {
	data, _ := os.ReadFile(o.Log)
	ids := imageID.FindAllString(string(data), -1)
	if len(ids) == 0 {
		return false
	}
	out, err := exec.Command("docker", "image", "inspect", "-f", "{{.Created}}", ids[len(ids)-1]).Output()
	if err != nil {
		return false
	}
	created, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(out)))
	return err == nil && created.Before(start)
}
