package frontdoor

// A door's Caddy writes one line per request it answered to the access log
// in the door's directory, in Caddy's own JSON:
//
//	{"level":"info","ts":1796625064258851986,"logger":"http.log.access.access",
//	 "msg":"handled request","bytes_read":0,"duration":2283694,"size":2,
//	 "status":200,"upstream":"127.0.0.1:19081"}
//
// ts is when the request finished (Unix nanoseconds), duration how long
// Caddy took to answer it (nanoseconds), upstream the address the request
// went to, which Caddy knows only after its file placeholder is read. The
// request itself (URI, headers) is left out: bake only counts, and a log
// of URIs would keep whatever tokens they carry.
const (
	accessLogFileName = "access.log"
	// accessLoggerName is the server's access logger, which Caddy names
	// "http.log.access." + it.
	accessLoggerName = "access"
	accessLogger     = "http.log.access." + accessLoggerName
	// accessLogRollMB is the size at which Caddy rolls the log over to
	// access-<time>-size.log, and accessLogKeep how many of those it keeps:
	// at about 185 bytes a line, the last 280,000 or so requests.
	accessLogRollMB = 10
	accessLogKeep   = 4
	// upstreamField is the field of a log line naming the upstream.
	upstreamField = "upstream"
)

type logging struct {
	Logs map[string]customLog `json:"logs"`
}

type customLog struct {
	Writer  *fileWriter `json:"writer,omitempty"`
	Encoder *logEncoder `json:"encoder,omitempty"`
	Include []string    `json:"include,omitempty"`
	Exclude []string    `json:"exclude,omitempty"`
}

type fileWriter struct {
	Output   string `json:"output"`
	Filename string `json:"filename"`
	// Mode is the access log's, and each rolled file's, file mode.
	Mode       string `json:"mode"`
	RollSizeMB int    `json:"roll_size_mb"`
	RollKeep   int    `json:"roll_keep"`
	// RollGzip false keeps rolled files as they were written, so a reader
	// never races the compression. (roll_compression, its successor, is
	// newer than the oldest Caddy bake accepts.)
	RollGzip bool `json:"roll_gzip"`
}

// logEncoder is Caddy's filter encoder around its JSON encoder.
type logEncoder struct {
	Format string                 `json:"format"`
	Wrap   jsonEncoder            `json:"wrap"`
	Fields map[string]fieldFilter `json:"fields"`
}

type jsonEncoder struct {
	Format         string `json:"format"`
	TimeFormat     string `json:"time_format"`
	DurationFormat string `json:"duration_format"`
}

type fieldFilter struct {
	Filter string `json:"filter"`
}

type serverLogs struct {
	DefaultLoggerName string `json:"default_logger_name"`
}

// logAppend is Caddy's log_append handler: after the rest of the route ran,
// it adds Key with Value (a placeholder) to the request's access log line.
type logAppend struct {
	Handler string `json:"handler"`
	Key     string `json:"key"`
	Value   string `json:"value"`
}

// logUpstream adds the address of the upstream that answered.
func logUpstream() logAppend {
	return logAppend{Handler: "log_append", Key: upstreamField, Value: "{http.reverse_proxy.upstream.hostport}"}
}

// accessLogging is the logging of door d: Caddy's own log stays on its
// standard error (the door's caddy.log) without the access lines, which go
// to the access log.
func accessLogging(d door, rollMB int) logging {
	drop := fieldFilter{Filter: "delete"}
	return logging{Logs: map[string]customLog{
		"default": {Exclude: []string{accessLogger}},
		accessLoggerName: {
			Writer: &fileWriter{
				Output:     "file",
				Filename:   d.path(accessLogFileName),
				Mode:       "0600",
				RollSizeMB: rollMB,
				RollKeep:   accessLogKeep,
			},
			Encoder: &logEncoder{
				Format: "filter",
				Wrap:   jsonEncoder{Format: "json", TimeFormat: "unix_nano", DurationFormat: "ns"},
				Fields: map[string]fieldFilter{"request": drop, "resp_headers": drop, "user_id": drop},
			},
			Include: []string{accessLogger},
		},
	}}
}
