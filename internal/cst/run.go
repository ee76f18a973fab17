package cst

import (
	"context"
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/probe"
)

// DefaultTimeout bounds one command test.
const DefaultTimeout = 30 * time.Second

// Kinds of result, as recorded in ledger.CheckResult.Kind.
const (
	KindCommand       = "command"
	KindFileExistence = "file-existence"
	KindFileContent   = "file-content"
	KindMetadata      = "metadata"
)

// Runner runs a Suite against one image in the local engine.
type Runner struct {
	Engine *client.Client
	Image  string     // engine image id or reference by digest
	Data   probe.Data // what {{ .Version }}, {{ .Image }} and {{ .Vars.NAME }} render to
	// Labels are carried by every container a command test creates.
	Labels map[string]string
	// NamePrefix names command test containers NamePrefix-N; "" lets the
	// engine choose.
	NamePrefix string
	Timeout    time.Duration // per command test; 0 is DefaultTimeout
	// Writable keeps command test containers' root filesystem writable.
	Writable bool

	imageEnv map[string]string // the image's environment, once read
}

// Run runs every test of s, command tests first, then file existence, file
// content and the metadata test (one result per assertion), passing each
// result to record as it is known. The image's filesystem and config are
// read once, and only when a file or metadata test needs them. A failed
// test is a result; the error reports tests that could not run: the engine
// failed, the image could not be read, or ctx was cancelled.
func (r *Runner) Run(ctx context.Context, s *Suite, record func(ledger.CheckResult)) error {
	for i, t := range s.CommandTests {
		if err := r.commandTest(ctx, i, s.GlobalEnvVars, t, record); err != nil {
			return err
		}
	}
	if len(s.FileExistenceTests) == 0 && len(s.FileContentTests) == 0 && s.MetadataTest == nil {
		return nil
	}
	contents := make([]renderedContentTest, len(s.FileContentTests))
	var want []string
	for i, t := range s.FileContentTests {
		rd := &renderer{data: r.Data}
		contents[i] = renderedContentTest{test: rd.fileContentTest(index("fileContentTests", i), t), err: rd.err}
		want = append(want, contents[i].test.Path)
	}
	snap, err := TakeSnapshot(ctx, r.Engine, r.Image, want)
	if err != nil {
		return fmt.Errorf("structure tests: %w", err)
	}
	for i, t := range s.FileExistenceTests {
		start := time.Now()
		rd := &renderer{data: r.Data}
		t = rd.fileExistenceTest(index("fileExistenceTests", i), t)
		res := ledger.CheckResult{Name: t.Name, Kind: KindFileExistence, Detail: errorText(rd.err)}
		if rd.err == nil {
			res.Detail, res.Passed = checkExistence(t, snap.FS)
		}
		res.Duration = time.Since(start)
		record(res)
	}
	for _, c := range contents {
		start := time.Now()
		res := ledger.CheckResult{Name: c.test.Name, Kind: KindFileContent, Detail: errorText(c.err)}
		if c.err == nil {
			var err error
			if res.Detail, res.Passed, err = checkContent(c.test, snap.FS); err != nil {
				res.Detail = err.Error()
			}
		}
		res.Duration = time.Since(start)
		record(res)
	}
	if s.MetadataTest != nil {
		r.metadataTest(s.MetadataTest, snap.Config, record)
	}
	return nil
}

// renderedContentTest is a file content test ready to check, or why it
// could not be rendered.
type renderedContentTest struct {
	test FileContentTest
	err  error
}

// metadataTest renders the metadata test and records one result per assertion.
func (r *Runner) metadataTest(t *MetadataTest, cfg v1.Config, record func(ledger.CheckResult)) {
	start := time.Now()
	rd := &renderer{data: r.Data}
	t = rd.metadataTest("metadataTest", t)
	if rd.err != nil {
		record(ledger.CheckResult{Name: "metadata", Kind: KindMetadata, Detail: rd.err.Error(), Duration: time.Since(start)})
		return
	}
	for _, v := range checkMetadata(t, cfg) {
		record(ledger.CheckResult{Name: v.Name, Kind: KindMetadata, Passed: v.Passed, Detail: v.Detail, Duration: time.Since(start)})
		start = time.Now()
	}
}

func (r *Runner) timeout() time.Duration {
	if r.Timeout > 0 {
		return r.Timeout
	}
	return DefaultTimeout
}

func errorText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
