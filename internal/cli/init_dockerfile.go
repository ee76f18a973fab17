package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/bakehq/bake/internal/adopt"
	"github.com/bakehq/bake/internal/config"
)

// initRegistry is where an adopted project pushes its releases, as the
// example project does.
const initRegistry = "127.0.0.1:5000"

// initDockerfile is `bake init` adopting a Dockerfile.
type initDockerfile struct {
	dir, name, from string
	explicit        bool // given by --from rather than found in dir
	force           bool
}

// foundDockerfile is dir's Dockerfile when init adopts it without being
// asked: dir has one and no templates/ (a project of bake's own has).
func foundDockerfile(dir string) string {
	path := filepath.Join(dir, "Dockerfile")
	if st, err := os.Stat(path); err != nil || st.IsDir() {
		return ""
	}
	if _, err := os.Stat(filepath.Join(dir, "templates")); err == nil {
		return ""
	}
	return path
}

func runInitDockerfile(f *Factory, o initDockerfile) error {
	name, err := initName(o.dir, o.name)
	if err != nil {
		return err
	}
	file := filepath.Join(o.dir, config.FileName)
	if _, err := os.Stat(file); err == nil && !o.force {
		return &usageError{fmt.Sprintf("%s already exists: use --force to overwrite it", file)}
	}
	used := map[int]bool{}
	listen := make([]int, 3)
	for i := range listen {
		if listen[i], err = freePortNotIn(used); err != nil {
			return fmt.Errorf("choosing a free port for the front doors: %w", err)
		}
	}
	p, err := adopt.Plan(adopt.Options{Dir: o.dir, Dockerfile: o.from, Project: name, Registry: initRegistry, Listen: listen})
	if errors.Is(err, adopt.ErrInvalid) {
		return &usageError{err.Error()}
	} else if err != nil {
		return err
	}
	if err := os.WriteFile(file, withSchemaLine(p.Config), 0o644); err != nil {
		return err
	}
	res := initResult{Dir: o.dir, Files: []string{config.FileName}, Adopted: &p}
	if wrote, err := writeSchema(o.dir, o.force); err != nil {
		return fmt.Errorf("writing the schema of bake.yaml to %s: %w", o.dir, err)
	} else if wrote {
		res.Files = append(res.Files, schemaFile)
	}
	if added, err := adopt.IgnoreState(o.dir, p); err != nil {
		return err
	} else if added {
		res.Files = append(res.Files, ".dockerignore")
	}
	if added, err := ignoreLedger(o.dir); err != nil {
		return err
	} else if added {
		res.Files = append(res.Files, ".gitignore")
	}
	// What init writes must load; anything else is bake's own mistake.
	if _, err := config.Load(file); err != nil {
		return fmt.Errorf("the bake.yaml written for %s does not load: %w", o.from, err)
	}
	return f.render(SchemaInit, res, func(w io.Writer) { printAdopted(w, o, p, res) })
}

func printAdopted(w io.Writer, o initDockerfile, p adopt.Project, res initResult) {
	how := fmt.Sprintf("found in %s; `bake init --example` writes the example project instead", o.dir)
	if o.explicit {
		how = "--from"
	}
	fmt.Fprintf(w, "adopting %s, built as it is (%s)\n", p.Dockerfile, how)
	fmt.Fprintf(w, "image\t%s, context %s\n", p.Image, p.Context)
	if p.PortFrom == "assumed" {
		fmt.Fprintf(w, "port\t%d (assumed: the Dockerfile exposes no port; set images.%s.port)\n", p.Port, p.Image)
	} else {
		fmt.Fprintf(w, "port\t%d (from EXPOSE)\n", p.Port)
	}
	if p.HealthFrom == "assumed" {
		fmt.Fprintf(w, "check\thttp GET %s answers 200 (assumed: no HEALTHCHECK names a URL; set images.%s.checks)\n", p.HealthPath, p.Image)
	} else {
		fmt.Fprintf(w, "check\thttp GET %s answers 200 (from HEALTHCHECK)\n", p.HealthPath)
	}
	args := "none of BAKE_VERSION, BAKE_IMAGE, BAKE_GIT_COMMIT, BAKE_BASE (declare one with ARG to get it)"
	if len(p.Args) > 0 {
		args = strings.Join(p.Args, ", ")
	}
	fmt.Fprintf(w, "build args\t%s\n", args)
	for _, name := range p.Secrets {
		fmt.Fprintf(w, "secret\t%s (mounted by a RUN step; set BAKE_SECRET_%s to build)\n", name, strings.ToUpper(name))
	}
	for _, path := range res.Files {
		fmt.Fprintf(w, "wrote %s\n", filepath.Join(o.dir, path))
	}
	fmt.Fprintf(w, "next: %sbake release %s && bake promote %s@<version> --to dev\n", cdFirst(o.dir), p.Image, p.Image)
}
