package main

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// introTemplate is the start of BENCHMARKS.md: what each table measures,
// and on what.
//
//go:embed intro.md.tmpl
var introTemplate string

// intro is the report's start: what is measured, the machine, bake's
// version and the setup's times.
func (b *bench) intro() string {
	version := b.version
	data := map[string]any{
		"Project":      project,
		"Replicas":     b.replicas,
		"Rounds":       rounds,
		"Workers":      loadWorkers,
		"Pause":        strconv.Itoa(int(pause.Seconds())) + " s",
		"Duration":     loadDuration,
		"WebappChecks": b.webappChecks,
		"Date":         time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		"CPUs":         runtime.NumCPU(),
		"Memory":       memTotal(),
		"Version":      version,
	}
	var s strings.Builder
	if err := template.Must(template.New("intro").Parse(introTemplate)).Execute(&s, data); err != nil {
		die("%v", err)
	}
	s.WriteString("### Setup (not a measurement goal)\n\n| step | s |\n| --- | ---: |\n")
	s.WriteString(strings.Join(b.setup, "\n") + "\n\n")
	return s.String()
}

// versionLine is bake's version and the commit of its source.
func (b *bench) versionLine() string {
	version := strings.TrimSpace(b.output(b.root, b.bake, "version"))
	var v struct {
		Commit string `json:"commit"`
	}
	_ = json.Unmarshal([]byte(b.output(b.root, b.bake, "version", "-o", "json")), &v)
	if v.Commit == "" {
		if out, err := exec.Command("git", "-C", b.root, "rev-parse", "HEAD").Output(); err == nil {
			v.Commit = strings.TrimSpace(string(out))
		}
	}
	if len(v.Commit) >= 12 {
		version += ", source at commit " + v.Commit[:12]
	}
	return version
}

// memTotal is the machine's memory, from /proc/meminfo.
func memTotal() string {
	data, _ := os.ReadFile("/proc/meminfo")
	for _, line := range strings.Split(string(data), "\n") {
		if fs := strings.Fields(line); len(fs) >= 2 && fs[0] == "MemTotal:" {
			kb, _ := strconv.ParseFloat(fs[1], 64)
			return fmt.Sprintf("%.1f GiB", kb/1048576)
		}
	}
	return "unknown"
}
