package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/spf13/cobra"
	"golang.org/x/text/unicode/norm"

	"github.com/bakehq/bake"
	"github.com/bakehq/bake/internal/adopt"
	"github.com/bakehq/bake/internal/config"
)

func newCmdInit(f *Factory) *cobra.Command {
	var dir, name, from string
	var force, example bool
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Write a working bake.yaml: for the Dockerfile DIR has, or the example project",
		Long: "Write a working bake.yaml into DIR.\n\n" +
			"With --from FILE, or when DIR has a Dockerfile and no templates/ directory, it builds that\n" +
			"Dockerfile as it is, without templating. Otherwise (or with --example) it writes the example\n" +
			"project: bake.yaml, templates and the example images.",
		Example: `  bake init demo                        # the example project: images debian, hello and tools; environments dev, qa and prod
  bake init . --from build/Dockerfile   # a Dockerfile you have, built as it is
  bake init . --example --force         # the example project, over the files that are there`,
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveFilterDirs // DIR
		},
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return exactArgs(1, "at most one DIR")(cmd, args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			dir = "."
			if len(args) == 1 {
				dir = args[0]
			}
			if from != "" && example {
				return &usageError{"--from and --example: give one"}
			}
			if from == "" && !example {
				from = foundDockerfile(dir)
			}
			if from != "" {
				return runInitDockerfile(f, initDockerfile{dir: dir, name: name, from: from, explicit: cmd.Flags().Changed("from"), force: force})
			}
			return runInit(f, dir, name, force)
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "overwrite files that already exist")
	cmd.Flags().StringVar(&from, "from", "", "build the Dockerfile at `FILE` as it is (default: DIR/Dockerfile, when DIR has one and no templates/)")
	cmd.Flags().BoolVar(&example, "example", false, "write the example project even when DIR has a Dockerfile")
	cmd.Flags().StringVar(&name, "name", "", "the project's name, and the image's when adopting a Dockerfile (default: the directory's name, made one bake accepts)")
	return cmd
}

type initResult struct {
	Dir   string   `json:"dir"`
	Files []string `json:"files"`
	// Adopted is what init made of a Dockerfile it adopted.
	Adopted *adopt.Project `json:"adopted,omitempty"`
}

func runInit(f *Factory, dir, name string, force bool) error {
	name, err := initName(dir, name)
	if err != nil {
		return err
	}
	if !force {
		if _, err := os.Stat(filepath.Join(dir, config.FileName)); err == nil {
			return &usageError{fmt.Sprintf("%s already exists: use --force to overwrite it", filepath.Join(dir, config.FileName))}
		}
	}
	res := initResult{Dir: dir, Files: []string{}}
	err = fs.WalkDir(bake.Defaults, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		dest := filepath.Join(dir, filepath.FromSlash(path))
		if _, err := os.Stat(dest); err == nil && !force {
			return nil
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		data, err := fs.ReadFile(bake.Defaults, path)
		if err != nil {
			return err
		}
		if path == config.FileName {
			if data, err = ownProject(data, name); err != nil {
				return err
			}
			data = withSchemaLine(data)
		}
		if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dest, data, 0o644); err != nil {
			return err
		}
		res.Files = append(res.Files, path)
		return nil
	})
	if err != nil {
		return fmt.Errorf("writing the example project to %s: %w", dir, err)
	}
	if wrote, err := writeSchema(dir, force); err != nil {
		return fmt.Errorf("writing the schema of bake.yaml to %s: %w", dir, err)
	} else if wrote {
		res.Files = append(res.Files, schemaFile)
	}
	if added, err := ignoreLedger(dir); err != nil {
		return err
	} else if added {
		res.Files = append(res.Files, ".gitignore")
	}
	return f.render(SchemaInit, res, func(w io.Writer) {
		for _, p := range res.Files {
			fmt.Fprintf(w, "wrote %s\n", filepath.Join(dir, p))
		}
		fmt.Fprintf(w, "next: %sbake release debian && bake release hello && bake promote hello@<version> --to dev\n", cdFirst(dir))
	})
}

// cdFirst is the `cd DIR && ` a next: line starts with when the project was
// written somewhere other than the working directory: bake reads bake.yaml there.
func cdFirst(dir string) string {
	if filepath.Clean(dir) == "." {
		return ""
	}
	return "cd " + dir + " && "
}

// ignoreLedger makes sure DIR/.gitignore keeps bake's local state (the
// ledger, the signing key `bake keygen` writes by default) out of git, so
// it never makes the tree dirty.
func ignoreLedger(dir string) (bool, error) {
	path := filepath.Join(dir, ".gitignore")
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if l := strings.TrimSpace(line); l == ".bake/" || l == ".bake" || l == "/.bake/" {
			return false, nil
		}
	}
	if len(data) > 0 && !strings.HasSuffix(string(data), "\n") {
		data = append(data, '\n')
	}
	data = append(data, "# bake's local state: the ledger, the signing key\n.bake/\n"...)
	return true, os.WriteFile(path, data, 0o644)
}

// exampleProject and examplePort are what the embedded bake.yaml names its
// project and where its environments listen, first to last.
const (
	exampleProject = "project: demo\n"
	exampleListen  = `listen: "127.0.0.1:`
)

// initName is the project name init writes: name when given (it must be
// valid), or one made from dir's name; bad input when nothing of that is
// usable.
func initName(dir, name string) (string, error) {
	if name != "" {
		if msg := config.CheckProjectName(name); msg != "" {
			return "", &usageError{"--name: " + msg}
		}
		return name, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	base := filepath.Base(abs)
	if name = projectName(base); name == "" {
		return "", &usageError{fmt.Sprintf("the directory name %q has nothing a project name can keep (lowercase letters, digits, hyphens): "+
			"name the project with `bake init --name NAME`", base)}
	}
	return name, nil
}

// ownProject gives the example bake.yaml a project of its own, name (the
// containers, routes and repositories of two projects on one machine never
// mix), and front-door ports free on this machine.
func ownProject(data []byte, name string) ([]byte, error) {
	s := string(data)
	if !strings.Contains(s, exampleProject) {
		return nil, errors.New("the example bake.yaml names no project")
	}
	s = strings.Replace(s, exampleProject, "project: "+name+"\n", 1)
	var out strings.Builder
	used := map[int]bool{}
	for {
		before, after, ok := strings.Cut(s, exampleListen)
		out.WriteString(before)
		if !ok {
			break
		}
		end := strings.IndexByte(after, '"')
		if end < 0 {
			return nil, errors.New("the example bake.yaml has an unterminated listen address")
		}
		port, err := freePortNotIn(used)
		if err != nil {
			return nil, fmt.Errorf("choosing a free port for the example's front doors: %w", err)
		}
		fmt.Fprintf(&out, "%s%d", exampleListen, port)
		s = after[end:]
	}
	return []byte(out.String()), nil
}

// Front-door ports for a new project come from this range, below the
// kernel's ephemeral ports, which any outgoing connection may hold when a
// promote needs its port.
const (
	firstFrontDoorPort = 18000
	lastFrontDoorPort  = 19999
)

// freePortNotIn returns a port of the front-door range that is free on
// 127.0.0.1 and not in used, and adds it there. It picks at random, so two
// projects made one after the other do not get the same ports.
func freePortNotIn(used map[int]bool) (int, error) {
	for range 200 {
		port := firstFrontDoorPort + rand.IntN(lastFrontDoorPort-firstFrontDoorPort+1)
		if used[port] {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		_ = l.Close()
		used[port] = true
		return port, nil
	}
	return 0, fmt.Errorf("no free port between %d and %d on 127.0.0.1", firstFrontDoorPort, lastFrontDoorPort)
}

// projectName turns a directory name into a project name bake.yaml
// accepts: letters spelled in ASCII ("ÜberApp" is "uberapp"), lowercase
// letters and digits, other characters as single hyphens, at most 40
// characters; "" when nothing is left. A leading dot goes, so ".demo" is
// "demo".
func projectName(base string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(transliterate(base)) {
		switch {
		case (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9'):
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
		default:
			hyphen = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	name := strings.Trim(b.String(), "-")
	if len(name) > 40 {
		name = strings.TrimRight(name[:40], "-")
	}
	return name
}

// spelled are letters that do not decompose into an ASCII letter and marks.
var spelled = map[rune]string{
	'ß': "ss", 'æ': "ae", 'Æ': "ae", 'ø': "o", 'Ø': "o", 'œ': "oe", 'Œ': "oe",
	'ł': "l", 'Ł': "l", 'đ': "d", 'Đ': "d", 'þ': "th", 'Þ': "th", 'ð': "d", 'Ð': "d", 'ı': "i",
}

// transliterate spells Latin letters with diacritics in ASCII: é is e, Ü is
// U, ß is ss. Other scripts are left as they are.
func transliterate(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case spelled[r] != "":
			b.WriteString(spelled[r])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
