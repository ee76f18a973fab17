package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cstCheck is one check of `bake show IMAGE@VERSION -o json`.
type cstCheck struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Passed bool   `json:"passed"`
	Detail string `json:"detail"`
}

// cstOutcome is what a test expects of one check.
type cstOutcome struct {
	Kind, Name string
	Passed     bool
}

// cstCase is a container-structure-test file that passes on the svc
// image, and a variant of it that must fail, saying why.
type cstCase struct {
	name        string
	pass, fail  string       // files under testdata/cst
	passResults []cstOutcome // the structure tests' results, after bake's own checks
	failResults []cstOutcome
	failDetails []string // each in the failed release's output and record
}

// TestCSTStructureTestFiles releases the svc image with checks.yaml in its
// build context: the passing file records a validated release with every
// test's result, the failing variant exits 1, records a failed release and
// says what was expected and what was seen.
func TestCSTStructureTestFiles(t *testing.T) {
	t.Parallel()
	cases := []cstCase{
		{
			name: "commandTests", pass: "commands.yaml", fail: "commands-fail.yaml",
			passResults: []cstOutcome{
				{"command", "version flag", true},
				{"command", "unknown flag", true},
				{"command", "version from the environment", true},
			},
			failResults: []cstOutcome{
				{"command", "version flag", false},
				{"command", "unknown flag", true},
			},
			failDetails: []string{`"/svc -version": expected output matching "^1\\.2\\.0$", got "1.1.0"`},
		},
		{
			name: "fileExistenceTests and fileContentTests", pass: "files.yaml", fail: "files-fail.yaml",
			passResults: []cstOutcome{
				{"file-existence", "Root", true},
				{"file-existence", "Service binary", true},
				{"file-existence", "No shell", true},
				{"file-content", "Service binary reads its settings", true},
			},
			failResults: []cstOutcome{
				{"file-existence", "Passwd file", false},
				{"file-existence", "Service binary", false},
				{"file-content", "No health deadline", false},
			},
			failDetails: []string{
				"expected /etc/passwd to exist",
				"expected permissions -rw-r--r--, got -rwxr-xr-x",
				`expected contents not matching "SVC_HEALTHY_UNTIL", found "SVC_HEALTHY_UNTIL"`,
			},
		},
		{
			name: "metadataTest", pass: "metadata.yaml", fail: "metadata-fail.yaml",
			passResults: []cstOutcome{
				{"metadata", "metadata env SVC_VERSION", true},
				{"metadata", "metadata env SVC_HEALTHY_UNTIL", true},
				{"metadata", "metadata unbound env DEBUG", true},
				{"metadata", "metadata label org.opencontainers.image.version", true},
				{"metadata", "metadata label org.opencontainers.image.title", true},
				{"metadata", "metadata label org.opencontainers.image.created", true},
				{"metadata", "metadata exposed port 8080", true},
				{"metadata", "metadata unexposed port 80", true},
				{"metadata", "metadata unmounted volume /data", true},
				{"metadata", "metadata entrypoint", true},
				{"metadata", "metadata cmd", true},
			},
			failResults: []cstOutcome{
				{"metadata", "metadata label org.opencontainers.image.version", false},
				{"metadata", "metadata exposed port 9090", false},
				{"metadata", "metadata entrypoint", false},
			},
			failDetails: []string{
				"expected label org.opencontainers.image.version=1.2.0, got 1.1.0",
				"expected port 9090 to be exposed, exposed: 8080/tcp",
				`expected entrypoint ["/svc" "serve"], got ["/svc"]`,
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newProject(t, projectOptions{})

			cstUse(t, p, c.pass)
			res := mustBake(t, p.Dir, "release", "svc", "--version", "1.0.0")
			assert.Contains(t, res.stderr, "ok   "+c.passResults[0].Name)
			checks := cstShowChecks(t, p, "1.0.0")
			assert.Equal(t, append(cstOwnChecks(), c.passResults...), cstOutcomes(checks), "checks of svc@1.0.0: %+v", checks)
			cstAssertNoContainerLeft(t, p)

			cstUse(t, p, c.fail)
			res = bake(t, p.Dir, "release", "svc", "--version", "1.1.0")
			require.Equal(t, 1, res.code, res.String())
			for _, d := range c.failDetails {
				assert.Contains(t, res.stderr, d)
			}
			checks = cstShowChecks(t, p, "1.1.0")
			assert.Equal(t, append(cstOwnChecks(), c.failResults...), cstOutcomes(checks), "checks of svc@1.1.0: %+v", checks)
			for _, d := range c.failDetails {
				assert.True(t, cstHasDetail(checks, d), "no check of svc@1.1.0 says %q: %+v", d, checks)
			}
			cstAssertReleases(t, p, map[string]string{"1.0.0": "validated", "1.1.0": "failed"})
			cstAssertNoContainerLeft(t, p)
		})
	}
}

// TestCSTMalformedFileIsBadInput gives the svc image a checks.yaml with a
// misspelt key: bake exits 2 naming the file, line, column and key, and
// records nothing.
func TestCSTMalformedFileIsBadInput(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	cstUse(t, p, "malformed.yaml")
	res := bake(t, p.Dir, "release", "svc", "--version", "1.0.0")
	assert.Equal(t, 2, res.code, res.String())
	file := filepath.Join(p.Dir, "images", "svc", "checks.yaml")
	assert.Contains(t, res.stderr, file+`:5:5: commandTests[0].expectedOuput: unknown key; did you mean "expectedOutput"?`)
	assert.Empty(t, history(t, p, "").Releases, "nothing is recorded")
	cstAssertNoContainerLeft(t, p)
}

// cstUse copies testdata/cst/NAME to the svc image's checks.yaml.
func cstUse(t *testing.T, p *project, name string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "cst", name))
	require.NoError(t, err)
	writeFile(t, filepath.Join(p.Dir, "images", "svc", "checks.yaml"), string(b))
}

// cstOwnChecks are the checks bake.yaml gives the svc image, which run first.
func cstOwnChecks() []cstOutcome {
	return []cstOutcome{{"http", "healthz", true}, {"command", "version-flag", true}}
}

// cstShowChecks returns the recorded checks of svc@version.
func cstShowChecks(t *testing.T, p *project, version string) []cstCheck {
	t.Helper()
	var doc struct {
		Checks []cstCheck `json:"checks"`
	}
	decodeOne(t, mustBake(t, p.Dir, "show", "svc@"+version, "-o", "json").stdout, &doc)
	return doc.Checks
}

func cstOutcomes(checks []cstCheck) []cstOutcome {
	out := make([]cstOutcome, len(checks))
	for i, c := range checks {
		out[i] = cstOutcome{c.Kind, c.Name, c.Passed}
	}
	return out
}

func cstHasDetail(checks []cstCheck, detail string) bool {
	for _, c := range checks {
		if !c.Passed && c.Detail != "" && strings.Contains(c.Detail, detail) {
			return true
		}
	}
	return false
}

// cstAssertReleases checks the status `bake history svc -o json` records for each version.
func cstAssertReleases(t *testing.T, p *project, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for _, r := range history(t, p, "").Releases {
		got[r.Version] = r.Status
	}
	assert.Equal(t, want, got)
}

// cstAssertNoContainerLeft checks that no container of the project remains.
func cstAssertNoContainerLeft(t *testing.T, p *project) {
	t.Helper()
	left, err := listContainers(context.Background(), "dev.bake.project="+p.Name)
	require.NoError(t, err)
	assert.Empty(t, left, "containers left behind")
}
