package e2e

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/bakehq/bake/internal/engine"
)

// badInputDir holds the bad-input corpus: one case a file (see its README.md).
const badInputDir = "testdata/badinput"

// badInputCase is one file of the corpus: a mistake made in a test project,
// the bake command that meets it, and the one line bake must answer with.
type badInputCase struct {
	name   string                    // the file's name without .yaml
	About  string                    `yaml:"about"`
	Args   []string                  `yaml:"args"`
	Files  map[string]string         `yaml:"files"`  // path in the project -> content to write
	Remove []string                  `yaml:"remove"` // paths in the project to delete
	Edit   map[string][]badInputEdit `yaml:"edit"`   // path in the project -> replacements, in order
	Exit   int                       `yaml:"exit"`
	Stderr string                    `yaml:"stderr"` // regular expression the one stderr line must match
}

// badInputEdit replaces the first occurrence of Replace, or the first match
// of Regexp, with With.
type badInputEdit struct {
	Replace string `yaml:"replace"`
	Regexp  string `yaml:"regexp"`
	With    string `yaml:"with"`
}

// stackTrace is what a panic or a Go stack trace would leave on stderr.
var stackTrace = regexp.MustCompile(`goroutine \d+|panic:|runtime error|\.go:\d+`)

// TestBadInputCorpus runs every case of testdata/badinput against one
// project that has svc@1.0.0 released. Each case changes the project's
// files, runs bake, and puts the files back. bake must exit with the case's
// code (2), print nothing on stdout, print exactly one line on stderr that
// starts with "bake: ", carries no stack trace and matches the case's
// pattern (which names the place: FILE:LINE:COL and key, the flag, the
// version), and leave the ledger and the project's images as they were.
func TestBadInputCorpus(t *testing.T) {
	t.Parallel()
	cases := loadBadInputCases(t)
	require.GreaterOrEqual(t, len(cases), 40, "the corpus holds at least 40 cases")
	start := time.Now()
	released := func() *project {
		p := newProject(t, projectOptions{})
		p.release(t, "1.0.0")
		return p
	}
	p := released()
	for _, c := range cases {
		recorded := false
		t.Run(c.name, func(t *testing.T) {
			before, images := history(t, p, ""), projectImages(t, p.Name)
			restore := c.apply(t, p)
			args := make([]string, len(c.Args))
			for i, a := range c.Args {
				args[i] = p.expand(a)
			}
			res := bake(t, p.Dir, args...)
			restore()

			assert.Equal(t, c.Exit, res.code, "%s\n%s", c.About, res)
			line, rest, _ := strings.Cut(res.stderr, "\n")
			if slices.Contains(args, "json") {
				// -o json: the same error as one JSON document on stdout.
				var doc jsonError
				decodeOne(t, res.stdout, &doc)
				assert.Equal(t, c.Exit, doc.Error.Exit)
				assert.Equal(t, "bake: "+doc.Error.Message, line)
			} else {
				assert.Empty(t, res.stdout, "bad input prints nothing on stdout")
			}
			assert.NotRegexp(t, stackTrace, res.stderr, "no stack trace")
			assert.Empty(t, rest, "stderr is one line:\n%s", res.stderr)
			assert.True(t, strings.HasPrefix(line, "bake: ") && len(line) > len("bake: "), "stderr starts with \"bake: \": %q", line)
			assert.Regexp(t, c.pattern(p), line, c.About)

			recorded = !assert.Equal(t, before, history(t, p, ""), "the ledger is unchanged")
			assert.Equal(t, images, projectImages(t, p.Name), "nothing was built")
		})
		if recorded {
			// Later cases get a project of their own, so that one defect
			// does not hide the next behind "already recorded".
			p = released()
		}
	}
	t.Logf("%d cases in %s", len(cases), time.Since(start).Round(time.Millisecond))
}

// loadBadInputCases reads every case of the corpus, strictly, in file order.
func loadBadInputCases(t *testing.T) []badInputCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(badInputDir, "*.yaml"))
	require.NoError(t, err)
	slices.Sort(files)
	var cases []badInputCase
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		c := badInputCase{name: strings.TrimSuffix(filepath.Base(file), ".yaml")}
		require.NoError(t, dec.Decode(&c), file)
		require.NotEmpty(t, c.About, "%s: about", file)
		require.NotEmpty(t, c.Args, "%s: args", file)
		require.NotZero(t, c.Exit, "%s: exit", file)
		require.NotEmpty(t, c.Stderr, "%s: stderr", file)
		_, err = regexp.Compile(c.Stderr)
		require.NoError(t, err, "%s: stderr", file)
		for path, edits := range c.Edit {
			for _, e := range edits {
				require.True(t, (e.Replace == "") != (e.Regexp == ""), "%s: an edit of %s sets one of replace and regexp", file, path)
			}
		}
		cases = append(cases, c)
	}
	return cases
}

// apply makes the case's changes in p and returns what undoes them.
func (c badInputCase) apply(t *testing.T, p *project) (restore func()) {
	t.Helper()
	saved := map[string][]byte{} // path -> content before the case; nil: it did not exist
	save := func(rel string) string {
		require.False(t, filepath.IsAbs(rel) || strings.HasPrefix(filepath.Clean(rel), ".."), "%s: not a path in the project", rel)
		path := filepath.Join(p.Dir, rel)
		if _, done := saved[path]; !done {
			b, err := os.ReadFile(path)
			if !errors.Is(err, fs.ErrNotExist) {
				require.NoError(t, err)
			}
			saved[path] = b
		}
		return path
	}
	restore = func() {
		for path, b := range saved {
			if b == nil {
				require.NoError(t, os.RemoveAll(path))
				continue
			}
			require.NoError(t, os.WriteFile(path, b, 0o644))
		}
	}
	// Also when the case stops half-way: the next case needs the project as it was.
	t.Cleanup(restore)
	for _, rel := range c.Remove {
		require.NoError(t, os.Remove(save(rel)))
	}
	for rel, content := range c.Files {
		writeFile(t, save(rel), p.expand(content))
	}
	for rel, edits := range c.Edit {
		path := save(rel)
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		s := string(b)
		for _, e := range edits {
			with := p.expand(e.With)
			if e.Replace != "" {
				require.Contains(t, s, e.Replace, "%s: the text to replace", rel)
				s = strings.Replace(s, e.Replace, with, 1)
				continue
			}
			re := regexp.MustCompile(e.Regexp)
			loc := re.FindStringIndex(s)
			require.NotNil(t, loc, "%s: no match for %s", rel, e.Regexp)
			s = s[:loc[0]] + with + s[loc[1]:]
		}
		require.NoError(t, os.WriteFile(path, []byte(s), 0o644))
	}
	return restore
}

// pattern is the case's stderr pattern with ${dir} and ${project} standing
// for the project's directory and name.
func (c badInputCase) pattern(p *project) *regexp.Regexp {
	r := strings.NewReplacer("${dir}", regexp.QuoteMeta(p.Dir), "${project}", regexp.QuoteMeta(p.Name))
	return regexp.MustCompile(r.Replace(c.Stderr))
}

// expand replaces ${dir} and ${project} in s with the project's directory and name.
func (p *project) expand(s string) string {
	return strings.NewReplacer("${dir}", p.Dir, "${project}", p.Name).Replace(s)
}

// projectImages lists the ids of the local images labelled with project, sorted.
func projectImages(t *testing.T, project string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	eng, err := engine.Connect(ctx)
	require.NoError(t, err)
	defer eng.Close()
	list, err := eng.ImageList(ctx, client.ImageListOptions{All: true, Filters: client.Filters{}.Add("label", engine.LabelProject+"="+project)})
	require.NoError(t, err)
	ids := make([]string, 0, len(list.Items))
	for _, img := range list.Items {
		ids = append(ids, img.ID)
	}
	slices.Sort(ids)
	return ids
}
