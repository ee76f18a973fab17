package report

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
)

func TestJUnit(t *testing.T) {
	checks := []ledger.CheckResult{
		{Name: "healthz", Kind: "http", Passed: true, Detail: "GET /healthz answered 200", Duration: 1500 * time.Millisecond},
		{Name: "version", Kind: "command", Passed: false, Detail: `expected stdout matching "^1.2.0$", got "1.1.0"`, Duration: 250 * time.Millisecond},
	}
	var buf bytes.Buffer
	require.NoError(t, JUnit(&buf, "web@1.2.0", checks))

	var doc testsuites
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &doc))
	require.Len(t, doc.Suites, 1)
	s := doc.Suites[0]
	assert.Equal(t, "web@1.2.0", s.Name)
	assert.Equal(t, 2, s.Tests)
	assert.Equal(t, 1, s.Failures)
	assert.Equal(t, "1.750", s.Time)
	assert.Nil(t, s.Cases[0].Failure)
	require.NotNil(t, s.Cases[1].Failure)
	assert.Equal(t, "web@1.2.0.command", s.Cases[1].Classname)
	assert.Contains(t, s.Cases[1].Failure.Message, `got "1.1.0"`)
}

func TestParseAndWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checks.xml")
	specs, err := Parse([]string{"junit=" + path})
	require.NoError(t, err)
	require.NoError(t, Write(specs, "web@1.0.0", nil))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), `<testsuite name="web@1.0.0" tests="0" failures="0"`)

	for _, bad := range []string{"junit", "junit=", "html=out.html"} {
		_, err := Parse([]string{bad})
		assert.ErrorIs(t, err, ErrInvalid, bad)
	}

	// A directory that does not exist is not created: the path is bad input.
	missing := filepath.Join(t.TempDir(), "nonexistent", "dir", "x.xml")
	_, err = Parse([]string{"junit=" + missing})
	require.ErrorIs(t, err, ErrInvalid)
	assert.EqualError(t, err, `invalid report: --report "junit=`+missing+`": directory `+filepath.Dir(missing)+
		` does not exist: create it or write the report elsewhere`)
	assert.NoDirExists(t, filepath.Dir(filepath.Dir(missing)))
	_, err = Parse([]string{"junit=" + t.TempDir()})
	assert.ErrorIs(t, err, ErrInvalid, "a directory is no report file")
}
