package docker

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/targets"
)

var _ targets.Logger = (*Target)(nil)

// Logs reads the logs of the replicas of req.Version through the engine,
// each stream demultiplexed into stdout and stderr lines. What the
// replicas wrote so far comes first, interleaved by time; with Follow,
// new lines follow as they are written until ctx ends.
func (d *Target) Logs(ctx context.Context, req targets.LogRequest, line func(targets.LogLine)) error {
	rs, err := d.replicas(ctx, req.Env, req.Image)
	if err != nil {
		return err
	}
	var mine []targets.Replica
	for _, r := range rs {
		if r.Version == req.Version && r.Running {
			mine = append(mine, r)
		}
	}
	if len(mine) == 0 {
		return fmt.Errorf("no replica of %s@%s runs in %q: `bake status %s` shows what runs", req.Image, req.Version, req.Env, req.Image)
	}

	since := ""
	if !req.Since.IsZero() {
		since = engineTime(req.Since)
	}
	tail := "all"
	if req.Tail >= 0 {
		tail = strconv.Itoa(req.Tail)
	}
	var backlog []targets.LogLine
	last := map[string]time.Time{}
	for _, r := range mine {
		err := d.readLogs(ctx, r, client.ContainerLogsOptions{Since: since, Tail: tail}, func(l targets.LogLine) {
			backlog = append(backlog, l)
			last[r.Name] = l.Time
		})
		if err != nil {
			return err
		}
	}
	sort.SliceStable(backlog, func(i, j int) bool { return backlog[i].Time.Before(backlog[j].Time) })
	for _, l := range backlog {
		line(l)
	}
	if !req.Follow {
		return nil
	}

	// Each replica is followed from its last line shown; the engine's
	// since is inclusive, so that line is skipped when it comes again.
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs = make([]error, len(mine))
	)
	for i, r := range mine {
		opts := client.ContainerLogsOptions{Follow: true, Since: since, Tail: "0"}
		seen, ok := last[r.Name]
		if ok {
			opts.Since, opts.Tail = engineTime(seen), "all"
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = d.readLogs(ctx, r, opts, func(l targets.LogLine) {
				if ok && !l.Time.After(seen) {
					return
				}
				mu.Lock()
				defer mu.Unlock()
				line(l)
			})
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil // followed until told to stop
	}
	return errors.Join(errs...)
}

// readLogs reads one replica's log stream until it ends, line by line.
func (d *Target) readLogs(ctx context.Context, r targets.Replica, opts client.ContainerLogsOptions, line func(targets.LogLine)) error {
	opts.ShowStdout, opts.ShowStderr, opts.Timestamps = true, true, true
	rc, err := d.Engine.ContainerLogs(ctx, r.ID, opts)
	if err != nil {
		return fmt.Errorf("reading the logs of replica %s: %w", r.Name, err)
	}
	defer rc.Close()
	outR, outW := io.Pipe()
	errR, errW := io.Pipe()
	copied := make(chan error, 1)
	go func() {
		_, err := stdcopy.StdCopy(outW, errW, rc)
		outW.CloseWithError(err)
		errW.CloseWithError(err)
		copied <- err
	}()
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	scan := func(stream string, rd io.Reader) {
		defer wg.Done()
		sc := bufio.NewScanner(rd)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			l := parseLogLine(sc.Text())
			l.Replica, l.Stream = r.Name, stream
			mu.Lock()
			line(l)
			mu.Unlock()
		}
		// Drain what is left so the demultiplexer never blocks on this stream.
		_, _ = io.Copy(io.Discard, rd)
	}
	wg.Add(2)
	go scan("stdout", outR)
	go scan("stderr", errR)
	wg.Wait()
	if err := <-copied; err != nil && ctx.Err() == nil {
		return fmt.Errorf("reading the logs of replica %s: %w", r.Name, err)
	}
	return nil
}

// parseLogLine splits the engine's timestamp off a line.
func parseLogLine(s string) targets.LogLine {
	stamp, text, ok := strings.Cut(s, " ")
	if t, err := time.Parse(time.RFC3339Nano, stamp); ok && err == nil {
		return targets.LogLine{Time: t, Text: text}
	}
	return targets.LogLine{Text: s}
}

// engineTime renders t as the engine's since parameter: Unix seconds
// with nanoseconds.
func engineTime(t time.Time) string {
	return fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond())
}
