// Command bench measures, in one run, how long bake takes to switch an
// environment to another release and back, against the floor of starting one
// container of the same image by hand; whether the front door drops any
// request while it switches under load; how long baking an image with
// unchanged inputs takes next to Packer and to cold and warm docker builds of
// the same image; what promotions cost in AWS API calls on moto, and in
// Kubernetes API calls and time next to kubectl on the test cluster; and what
// the everyday commands cost as the ledger's history grows. It writes the results
// to BENCHMARKS.md and prints the same tables.
//
// usage: go run ./test/bench [-only TABLE,...] [-report FILE]
//
// (make bench builds bake and starts the services first; BAKE_BIN names the
// bake binary, bin/bake unless set.) Every table is one function of this
// package, listed in tables below; -only runs some of them and prints them
// without writing the report. The bench project lives in
// ${BAKE_BENCH_DIR:-<repo>/.bench}/project, made anew each run, with the
// output of every command in .../logs.
//
// Exit status: 0 when every measurement was taken, whatever the numbers say;
// 1 when the bench could not run or a bake command it measures failed.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	project        = "bench"
	rounds         = 5 // promote/rollback pairs, floor runs, baking rounds
	loadDuration   = "20s"
	loadWorkers    = 20
	pause          = 3 * time.Second // between starting hey and each switch
	frontDoor      = "http://127.0.0.1:18091"
	opTimeout      = 300 * time.Second  // one promote, rollback or floor start
	releaseTimeout = 1200 * time.Second // one release (the first bakes Debian)
	buildTimeout   = 900 * time.Second  // one packer or docker build of webapp
)

// table is one section of the report: run measures and returns its markdown
// (it may add to the intro and setup lists of the bench).
type table struct {
	name string
	run  func(b *bench) string
}

// aloneTables make what they measure themselves and need no bench project:
// -only with such tables alone skips making one.
var aloneTables = map[string]bool{"tutorial": true, "dashboard": true, "canary": true, "kubernetes": true}

// tables, in the order they run and appear in BENCHMARKS.md. A new table is
// one function and one line here.
var tables = []table{
	{"switch", (*bench).switchTable},
	{"load", (*bench).loadTable},
	{"keep", (*bench).keepTable},
	{"aws", (*bench).awsTable},
	{"kubernetes", (*bench).kubeTable},
	{"strategy", (*bench).strategyTable},
	{"canary", (*bench).canaryTable},
	{"frontdoors", (*bench).frontDoorsTable},
	{"baking", (*bench).bakingTable},
	{"rebuild", (*bench).rebuildTable},
	{"history", (*bench).historyTable},
	{"tutorial", (*bench).tutorialTable},
	{"dashboard", (*bench).dashboardTable},
}

// reuseProject keeps the last run's project (-reuse-project).
var reuseProject bool

// bench is the state of one run.
type bench struct {
	*runner
	root     string // the repository
	work     string // .bench
	dir      string // the bench project
	fixtures string // test/bench: the webapp images of the baking bench

	setup        []string // rows of the setup table
	replicas     int      // dev's replicas
	ref          string   // hello@1.1.0 by digest
	loadErrors   []string // what hey reported, by run
	moto         string   // the endpoint of the bench's moto_server, once started
	webappChecks int
	version      string // bake's version line      // the checks of webapp, which the baking table releases
	cleanups     []func()
}

// atExit registers fn to run when the bench ends, however it ends.
func (b *bench) atExit(fn func()) { b.cleanups = append(b.cleanups, fn) }

func main() {
	only := flag.String("only", "", "run only these tables (comma-separated: "+tableNames()+") and print them without writing the report")
	report := flag.String("report", "", "the report to write (default BENCHMARKS.md in the repository)")
	write := flag.Bool("write", false, "with -only, write the report all the same, with only those tables")
	update := flag.Bool("update", false, "with -only, replace those tables in the report and keep the rest")
	flag.BoolVar(&reuseProject, "reuse-project", false, "keep the bench project of the last run, with its releases, instead of making it anew (to rerun one table)")
	flag.Func("dynamodb-sizes", "the history table's ledger sizes on DynamoDB (comma-separated, such as 1000,10000; default 1000; none to skip)", func(v string) error {
		historySizesDynamo = nil
		if v == "none" {
			return nil
		}
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 2 {
				return fmt.Errorf("%q is not a number of records", f)
			}
			historySizesDynamo = append(historySizesDynamo, n)
		}
		return nil
	})
	flag.Parse()
	os.Exit(run(*only, *report, *write, *update))
}

func tableNames() string {
	var names []string
	for _, t := range tables {
		names = append(names, t.name)
	}
	return strings.Join(names, ", ")
}

func run(only, report string, write, update bool) (code int) {
	b := &bench{runner: &runner{}}
	defer func() {
		for i := len(b.cleanups) - 1; i >= 0; i-- {
			b.cleanups[i]()
		}
		if v := recover(); v != nil {
			var f fatal
			if !errors.As(asError(v), &f) {
				panic(v)
			}
			logf("%s", f.msg)
			code = 1
		}
	}()
	// An interrupt ends the bench through its cleanups.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		logf("interrupted: cleaning up")
		for i := len(b.cleanups) - 1; i >= 0; i-- {
			b.cleanups[i]()
		}
		os.Exit(1)
	}()

	selected, err := selectTables(only)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 2
	}
	b.prepare()
	needWebapp := slices.ContainsFunc(selected, func(t table) bool { return t.name == "baking" })
	alone := !slices.ContainsFunc(selected, func(t table) bool { return !aloneTables[t.name] })
	switch {
	case alone:
	case reuseProject:
		b.reuseProject()
	default:
		b.setupProject(needWebapp)
	}
	// What bake is, and from what source, before anything can change it.
	b.version = b.versionLine()

	sections := map[string]string{}
	var shown []string
	for _, t := range selected {
		logf("---- %s", t.name)
		sections[t.name] = strings.TrimLeft(t.run(b), "\n")
		shown = append(shown, sections[t.name])
	}
	fmt.Println()
	fmt.Print(strings.Join(shown, "\n") + b.loadErrorsSection() + b.failedSection())
	if report == "" {
		report = filepath.Join(b.root, "BENCHMARKS.md")
	}
	var doc string
	switch {
	case only != "" && update:
		old, err := os.ReadFile(report)
		if err != nil {
			die("-update: %v", err)
		}
		doc = string(old)
		when := fmt.Sprintf("%s, %s", time.Now().UTC().Format("2006-01-02 15:04 UTC"), b.version)
		for _, t := range selected {
			doc = replaceSection(doc, t.name, sections[t.name], when)
		}
	case only == "" || write:
		var parts []string
		for _, t := range selected {
			parts = append(parts, wrapSection(t.name, sections[t.name]))
		}
		doc = b.intro() + strings.Join(parts, "\n") + b.loadErrorsSection() + b.failedSection()
	}
	if doc != "" {
		if err := os.WriteFile(report+".tmp", []byte(doc), 0o644); err != nil {
			die("writing %s: %v", report, err)
		}
		if err := os.Rename(report+".tmp", report); err != nil {
			die("writing %s: %v", report, err)
		}
		fmt.Printf("\nwrote %s\n", report)
	}
	if len(b.failed) > 0 {
		die("%d bake command(s) failed: the numbers above are incomplete", len(b.failed))
	}
	return 0
}

func asError(v any) error {
	if err, ok := v.(error); ok {
		return err
	}
	return fmt.Errorf("%v", v)
}

func selectTables(only string) ([]table, error) {
	if only == "" {
		return tables, nil
	}
	var out []table
	for _, name := range strings.Split(only, ",") {
		i := slices.IndexFunc(tables, func(t table) bool { return t.name == strings.TrimSpace(name) })
		if i < 0 {
			return nil, fmt.Errorf("-only: no table %q (there are: %s)", name, tableNames())
		}
		out = append(out, tables[i])
	}
	// Run them in the report's order, whatever order -only gave.
	slices.SortFunc(out, func(a, c table) int {
		return slices.IndexFunc(tables, func(t table) bool { return t.name == a.name }) -
			slices.IndexFunc(tables, func(t table) bool { return t.name == c.name })
	})
	return out, nil
}

// prepare finds the repository, bake and the tools, and makes the work directory.
func (b *bench) prepare() {
	root, err := repoRoot()
	if err != nil {
		die("%v", err)
	}
	b.root = root
	b.bake = os.Getenv("BAKE_BIN")
	if b.bake == "" {
		b.bake = filepath.Join(root, "bin", "bake")
	}
	if st, err := os.Stat(b.bake); err != nil || st.Mode()&0o111 == 0 {
		die("no bake binary at %s: run `make bench` (or make build first)", b.bake)
	}
	for _, cmd := range []string{"docker", "git", "hey", "packer"} {
		if _, err := exec.LookPath(cmd); err != nil {
			die("%s is not installed (scripts/services.sh up installs the services' tools)", cmd)
		}
	}
	if err := exec.Command("docker", "info").Run(); err != nil {
		die("the Docker engine does not answer: run scripts/services.sh up")
	}
	b.fixtures = filepath.Join(root, "test", "bench")
	for _, f := range []string{"templates/apt-service/Dockerfile.tmpl", "templates/apt-packer/webapp.pkr.hcl", "images/webapp/status.sh", "images.yaml"} {
		if _, err := os.Stat(filepath.Join(b.fixtures, f)); err != nil {
			die("missing %s: the baking bench needs it", filepath.Join(b.fixtures, f))
		}
	}
	work := os.Getenv("BAKE_BENCH_DIR")
	if work == "" {
		work = filepath.Join(root, ".bench")
	}
	if b.work, err = filepath.Abs(work); err != nil {
		die("%v", err)
	}
	b.dir = filepath.Join(b.work, "project")
	b.logs = filepath.Join(b.work, "logs")
	user := os.Getenv("BAKE_USER")
	if user == "" {
		user = "bench"
	}
	b.env = []string{"BAKE_USER=" + user}
}

// repoRoot is the directory of go.mod above the working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: run the bench from the repository")
		}
		dir = parent
	}
}

// wrapSection marks a table's section in the report, so that -update can
// find it again.
func wrapSection(name, section string) string {
	return "<!-- bench:" + name + " -->\n" + strings.TrimRight(section, "\n") + "\n<!-- /bench:" + name + " -->\n"
}

// replaceSection puts a table measured apart into the report: in place of
// its earlier section, else before the section of the next table that is
// there, else at the end. It says when, and with what bake, it was measured.
func replaceSection(doc, name, section, when string) string {
	section = strings.TrimRight(section, "\n") + fmt.Sprintf("\n\n_Measured apart from the rest of this report (`go run ./test/bench -only %s -update`): %s._\n",
		name, when)
	wrapped := wrapSection(name, section)
	begin, end := "<!-- bench:"+name+" -->", "<!-- /bench:"+name+" -->\n"
	if i := strings.Index(doc, begin); i >= 0 {
		if j := strings.Index(doc[i:], end); j >= 0 {
			return doc[:i] + wrapped + doc[i+j+len(end):]
		}
	}
	at := slices.IndexFunc(tables, func(t table) bool { return t.name == name })
	for _, t := range tables[at+1:] {
		if i := strings.Index(doc, "<!-- bench:"+t.name+" -->"); i >= 0 {
			return doc[:i] + wrapped + "\n" + doc[i:]
		}
	}
	for _, tail := range []string{"\nErrors reported by hey", "\ncommands that failed:"} {
		if i := strings.Index(doc, tail); i >= 0 {
			return doc[:i] + "\n" + wrapped + doc[i:]
		}
	}
	return strings.TrimRight(doc, "\n") + "\n\n" + wrapped
}
