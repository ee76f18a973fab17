// Package report writes a release's check results for other tools: JUnit
// XML for CI systems that show test results.
package report

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/bakehq/bake/internal/ledger"
)

// ErrInvalid marks a --report value bake cannot use (exit 2).
var ErrInvalid = fmt.Errorf("invalid report")

type testsuites struct {
	XMLName xml.Name    `xml:"testsuites"`
	Suites  []testsuite `xml:"testsuite"`
}

type testsuite struct {
	Name     string     `xml:"name,attr"`
	Tests    int        `xml:"tests,attr"`
	Failures int        `xml:"failures,attr"`
	Time     string     `xml:"time,attr"`
	Cases    []testcase `xml:"testcase"`
}

type testcase struct {
	Name      string   `xml:"name,attr"`
	Classname string   `xml:"classname,attr"`
	Time      string   `xml:"time,attr"`
	Failure   *failure `xml:"failure,omitempty"`
	Output    string   `xml:"system-out,omitempty"`
}

type failure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// JUnit writes the checks of one release as a JUnit XML test suite.
func JUnit(w io.Writer, release string, checks []ledger.CheckResult) error {
	suite := testsuite{Name: release, Tests: len(checks)}
	var total float64
	for _, c := range checks {
		secs := c.Duration.Seconds()
		total += secs
		tc := testcase{Name: c.Name, Classname: release + "." + c.Kind, Time: fmt.Sprintf("%.3f", secs)}
		if c.Passed {
			tc.Output = c.Detail
		} else {
			suite.Failures++
			tc.Failure = &failure{Message: c.Detail, Type: c.Kind, Text: c.Detail}
		}
		suite.Cases = append(suite.Cases, tc)
	}
	suite.Time = fmt.Sprintf("%.3f", total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(testsuites{Suites: []testsuite{suite}}); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// Spec is a parsed --report flag: FORMAT=PATH.
type Spec struct {
	Format string
	Path   string
}

// Parse reads --report values such as "junit=out/checks.xml".
func Parse(values []string) ([]Spec, error) {
	var specs []Spec
	for _, v := range values {
		format, path, ok := strings.Cut(v, "=")
		if !ok || path == "" {
			return nil, fmt.Errorf("%w: --report %q: expected FORMAT=PATH, like junit=checks.xml", ErrInvalid, v)
		}
		if format != "junit" {
			return nil, fmt.Errorf("%w: --report %q: unknown format %q; bake writes junit", ErrInvalid, v, format)
		}
		if err := writable(path); err != nil {
			return nil, fmt.Errorf("%w: --report %q: %v", ErrInvalid, v, err)
		}
		specs = append(specs, Spec{Format: format, Path: path})
	}
	return specs, nil
}

// writable checks, before anything is built, that a report can go to
// path: its directory exists (bake does not create one) and path is not
// a directory.
func writable(path string) error {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %s does not exist: create it or write the report elsewhere", dir)
	case err != nil:
		return fmt.Errorf("directory %s: %v", dir, err)
	case !st.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a directory: name a file in it, like %s", path, filepath.Join(path, "checks.xml"))
	}
	return nil
}

// Write writes every requested report for one release.
func Write(specs []Spec, release string, checks []ledger.CheckResult) error {
	for _, s := range specs {
		f, err := os.Create(s.Path)
		if err != nil {
			return fmt.Errorf("writing %s report: %w", s.Format, err)
		}
		err = JUnit(f, release, checks)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("writing %s report to %s: %w", s.Format, s.Path, err)
		}
	}
	return nil
}
