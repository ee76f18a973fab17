package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// setupProject makes the bench project anew: the example project of bake
// init, renamed, on ports 18091-18093, with the baking bench's images, and
// the releases every table needs (webapp's only when withWebapp).
func (b *bench) setupProject(withWebapp bool) {
	b.removeLabelled("label=dev.bake.project=" + project)
	removeImages("reference=bench-cold", "reference=bench-warm")
	if err := os.RemoveAll(b.work); err != nil {
		die("%v", err)
	}
	for _, d := range []string{b.dir, b.logs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			die("%v", err)
		}
	}
	b.must("init", b.dir, b.bake, "init")

	// Its own project name and known ports (dev, qa, prod), whatever init chose.
	yaml := b.readYAML()
	yaml = regexp.MustCompile(`(?m)^project: .*$`).ReplaceAllString(yaml, "project: "+project)
	n := 0
	yaml = regexp.MustCompile(`listen: "127\.0\.0\.1:[0-9]+"`).ReplaceAllStringFunc(yaml, func(string) string {
		n++
		return fmt.Sprintf(`listen: "127.0.0.1:%d"`, 18090+n)
	})
	if n != 3 {
		die("bake.yaml: could not move the listen ports to 18091-18093 (found %d)", n)
	}
	// The baking bench's images: webapp (a Dockerfile template) and
	// webapp-packer (the equivalent Packer template), both on debian, from
	// one build context.
	snippet, err := os.ReadFile(filepath.Join(b.fixtures, "images.yaml"))
	if err != nil {
		die("%v", err)
	}
	i := strings.Index(yaml, "\nenvironments:")
	if i < 0 {
		die("bake.yaml: no environments: the bench cannot add the webapp images")
	}
	yaml = yaml[:i+1] + string(snippet) + "\n" + yaml[i+1:]
	b.writeYAML(yaml)
	copyDir(filepath.Join(b.fixtures, "templates"), filepath.Join(b.dir, "templates"))
	copyDir(filepath.Join(b.fixtures, "images", "webapp"), filepath.Join(b.dir, "images", "webapp"))
	b.output(b.dir, b.bake, "config", "validate")
	b.output(b.dir, "git", "init", "-q")
	b.output(b.dir, "git", "add", "-A")
	b.output(b.dir, "git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-qm", "chore: the bench project")

	steps := [][]string{
		{"release-debian", "release", "debian", "--version", "1.0.0"},
		{"release-hello-1.0.0", "release", "hello", "--version", "1.0.0"},
		{"release-hello-1.1.0", "release", "hello", "--version", "1.1.0"},
	}
	if withWebapp {
		steps = append(steps, []string{"release-webapp-1.0.0", "release", "webapp", "--version", "1.0.0"})
	}
	steps = append(steps, []string{"promote-1.0.0", "promote", "hello@1.0.0", "--to", "dev"})
	for _, s := range steps {
		o := b.must(s[0], b.dir, append([]string{b.bake}, s[1:]...)...)
		label := "`bake " + strings.Join(s[1:], " ") + "`"
		if s[0] == "promote-1.0.0" {
			label += " (first deploy)"
		}
		b.setup = append(b.setup, fmt.Sprintf("| %s | %.2f |", label, o.S()))
	}

	b.readProject()
}

// reuseProject takes the project of the last run as it is.
func (b *bench) reuseProject() {
	if _, err := os.Stat(filepath.Join(b.dir, "bake.yaml")); err != nil {
		die("-reuse-project: no bench project at %s: run without it first", b.dir)
	}
	if err := os.MkdirAll(b.logs, 0o755); err != nil {
		die("%v", err)
	}
	b.readProject()
}

// readProject reads what the tables need to know of the bench project.
func (b *bench) readProject() {
	b.ref = b.reference("hello", "1.1.0")
	m := regexp.MustCompile(`replicas: ([0-9]+), listen: "127\.0\.0\.1:18091"`).FindStringSubmatch(b.readYAML())
	if m == nil {
		die("bake.yaml: no replicas for dev's hello")
	}
	b.replicas, _ = strconv.Atoi(m[1])
}

// reference is image@version by digest, as `bake history -o json` gives it.
func (b *bench) reference(image, version string) string {
	var h struct {
		Releases []struct {
			Version   string `json:"version"`
			Reference string `json:"reference"`
		} `json:"releases"`
	}
	if err := json.Unmarshal([]byte(b.output(b.dir, b.bake, "history", image, "-o", "json")), &h); err != nil {
		die("bake history %s -o json: %v", image, err)
	}
	for _, r := range h.Releases {
		if r.Version == version && strings.Contains(r.Reference, "@sha256:") {
			return r.Reference
		}
	}
	die("no reference by digest for %s@%s in `bake history %s -o json`", image, version, image)
	return ""
}

func (b *bench) readYAML() string {
	y, err := os.ReadFile(filepath.Join(b.dir, "bake.yaml"))
	if err != nil {
		die("%v", err)
	}
	return string(y)
}

func (b *bench) writeYAML(y string) {
	if err := os.WriteFile(filepath.Join(b.dir, "bake.yaml"), []byte(y), 0o644); err != nil {
		die("%v", err)
	}
}

// setDev rewrites dev in bake.yaml: retention.previous keep, and target
// (such as "strategy: rolling, min_healthy: 1") added to hello's target.
func (b *bench) setDev(keep, target string) {
	var out []string
	inDev := false
	for _, line := range strings.Split(b.readYAML(), "\n") {
		if strings.HasPrefix(line, "  - name: ") {
			inDev = strings.TrimPrefix(line, "  - name: ") == "dev"
		}
		switch {
		case inDev && strings.HasPrefix(line, "    retention:"):
			continue
		case inDev && strings.HasPrefix(line, "      hello: {"):
			extra := ""
			if target != "" {
				extra = ", " + target
			}
			line = fmt.Sprintf(`      hello: {replicas: %d, listen: "127.0.0.1:18091"%s}`, b.replicas, extra)
		}
		out = append(out, line)
		if inDev && line == "  - name: dev" {
			out = append(out, "    retention: {previous: "+keep+"}")
		}
	}
	b.writeYAML(strings.Join(out, "\n"))
	cmd := exec.Command(b.bake, "config", "validate")
	cmd.Dir = b.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		die("bake.yaml: could not set dev to keep %s with {%s}: %s", keep, target, out)
	}
}

// removeLabelled removes the containers that match a docker ps filter.
func (b *bench) removeLabelled(filter string) {
	out, _ := exec.Command("docker", "ps", "-aq", "--filter", filter).Output()
	if ids := strings.Fields(string(out)); len(ids) > 0 {
		_ = exec.Command("docker", append([]string{"rm", "-f"}, ids...)...).Run()
	}
}

// removeImages removes the images that match docker images filters.
func removeImages(filters ...string) {
	args := []string{"images", "--format", "{{.Repository}}:{{.Tag}}"}
	for _, f := range filters {
		args = append(args, "--filter", f)
	}
	out, _ := exec.Command("docker", args...).Output()
	if refs := strings.Fields(string(out)); len(refs) > 0 {
		_ = exec.Command("docker", append([]string{"rmi", "-f"}, refs...)...).Run()
	}
}

// copyDir copies the tree at src into dst.
func copyDir(src, dst string) {
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(to, data, info.Mode().Perm())
	})
	if err != nil {
		die("copying %s: %v", src, err)
	}
}
