package frontdoor

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// logPosition is a place in a door's access log, which Caddy rolls over to
// other files: an offset in the file whose first line has time First.
// Rolling renames a file, so its name says nothing, but its first line
// stays. The zero position is before every file.
type logPosition struct {
	First  int64 `json:"first"`
	Offset int64 `json:"offset"`
}

// logFile is one file of a door's access log.
type logFile struct {
	path  string
	first int64 // time of its first line; 0 while it has none
	size  int64
	mod   time.Time
}

// logFiles returns the files of d's access log, oldest first; the one
// Caddy writes to is last.
func logFiles(d door) ([]logFile, error) {
	ext := filepath.Ext(accessLogFileName)
	rolled, err := filepath.Glob(d.path(strings.TrimSuffix(accessLogFileName, ext) + "-*" + ext))
	if err != nil {
		return nil, err
	}
	var files []logFile
	for _, path := range append(rolled, d.path(accessLogFileName)) {
		info, err := os.Stat(path)
		if errors.Is(err, os.ErrNotExist) {
			continue // rolled over or removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		files = append(files, logFile{path: path, first: firstTime(path), size: info.Size(), mod: info.ModTime()})
	}
	// A file with no line yet is the one Caddy just opened.
	slices.SortStableFunc(files, func(a, b logFile) int {
		switch {
		case a.first == 0 || b.first == 0:
			return boolCompare(a.first == 0, b.first == 0)
		case a.first < b.first:
			return -1
		case a.first > b.first:
			return 1
		}
		return 0
	})
	return files, nil
}

func boolCompare(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// firstTime returns the time of the first line of the log file at path, 0
// if it has no complete line.
func firstTime(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer func() { _ = f.Close() }()
	line, err := bufio.NewReaderSize(f, 4096).ReadSlice('\n')
	if err != nil {
		return 0
	}
	var l logLine
	if json.Unmarshal(line, &l) != nil {
		return 0
	}
	return l.TS
}

// logLine is what bake reads of an access log line.
type logLine struct {
	TS       int64  `json:"ts"`
	Logger   string `json:"logger"`
	Status   int    `json:"status"`
	Duration int64  `json:"duration"`
	Upstream string `json:"upstream"`
}

// logRead is what one pass over an access log found.
type logRead struct {
	entries []Served    // the lines at or after since
	end     logPosition // after the last complete line
	// latest bounds the time of every line before end that the pass read
	// or skipped.
	latest int64
}

// readLog reads d's access log from pos to its end and returns the lines
// at or after since. A position whose file is gone (rolled away) reads every
// file left; a whole file last written before since is skipped unread.
func readLog(ctx context.Context, d door, pos logPosition, since int64) (logRead, error) {
	r := logRead{end: pos}
	files, err := logFiles(d)
	if err != nil {
		return r, err
	}
	start, offset := 0, int64(0)
	if i := slices.IndexFunc(files, func(f logFile) bool { return f.first != 0 && f.first == pos.First }); i >= 0 {
		start, offset = i, min(pos.Offset, files[i].size)
	}
	for i, f := range files[start:] {
		if f.first == 0 {
			break // nothing complete in it yet
		}
		from := int64(0)
		if i == 0 {
			from = offset
		}
		last := start+i == len(files)-1
		if from == 0 && !last && f.mod.UnixNano() < since {
			r.latest = max(r.latest, f.mod.UnixNano())
			r.end = logPosition{First: f.first, Offset: f.size}
			continue
		}
		end, err := readFile(ctx, f.path, from, since, &r)
		if err != nil {
			return r, err
		}
		r.end = logPosition{First: f.first, Offset: end}
	}
	return r, nil
}

// readFile reads the complete lines of the log file at path from offset
// into r and returns the offset after the last of them.
func readFile(ctx context.Context, path string, offset, since int64, r *logRead) (int64, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return offset, nil // removed since it was listed: nothing left to read
	}
	if err != nil {
		return offset, err
	}
	defer func() { _ = f.Close() }()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return offset, err
	}
	br := bufio.NewReaderSize(f, 256<<10)
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return offset, err
			}
		}
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// No line of bake's is this long: skip it whole.
			for errors.Is(err, bufio.ErrBufferFull) {
				offset += int64(len(line))
				line, err = br.ReadSlice('\n')
			}
			if err == nil {
				offset += int64(len(line))
				continue
			}
		}
		if errors.Is(err, io.EOF) {
			return offset, nil // a partial line stays for the next read
		}
		if err != nil {
			return offset, err
		}
		offset += int64(len(line))
		var l logLine
		if json.Unmarshal(bytes.TrimSpace(line), &l) != nil || !strings.HasPrefix(l.Logger, accessLogger) {
			continue
		}
		r.latest = max(r.latest, l.TS)
		if l.TS >= since {
			r.entries = append(r.entries, Served{
				Upstream: l.Upstream,
				Status:   l.Status,
				Duration: time.Duration(l.Duration),
				At:       time.Unix(0, l.TS),
			})
		}
	}
}
