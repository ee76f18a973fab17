// Command uishot writes the dashboard's screenshot in the docs: it makes a
// project like the demo's (two images through dev, qa and prod, a rollback
// that pins prod, a frozen environment), starts `bake ui` on it and has
// headless Chromium take a picture of the page.
//
// usage: go run ./test/uishot [-out docs/images/dashboard.png]
//
// (make ui-shot builds bake and starts the services first; BAKE_BIN names
// the bake binary, bin/bake unless set.) The project's containers and front
// doors are removed when it ends.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bakehq/bake/internal/frontdoor"
	"github.com/bakehq/bake/internal/loopback"
	"github.com/bakehq/bake/test/browser"
)

const project = "shop"

var (
	images = []string{"api", "web"}
	envs   = []string{"dev", "qa", "prod"}
)

func main() {
	out := flag.String("out", "docs/images/dashboard.png", "the PNG to write")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "uishot:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	bake := os.Getenv("BAKE_BIN")
	if bake == "" {
		bake = "bin/bake"
	}
	bake, err := filepath.Abs(bake)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "bake-uishot-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	defer cleanup()
	if err := writeProject(dir); err != nil {
		return err
	}
	do := func(args ...string) error {
		fmt.Fprintf(os.Stderr, "uishot: bake %s\n", strings.Join(args, " "))
		cmd := exec.Command(bake, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "BAKE_USER="+user(args))
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("bake %s: %w\n%s", strings.Join(args, " "), err, b)
		}
		return nil
	}
	steps := [][]string{
		{"release", "api", "--version", "1.0.0"}, {"release", "web", "--version", "1.4.0"},
		{"promote", "api@1.0.0", "--to", "dev"}, {"promote", "api@1.0.0", "--to", "qa"}, {"promote", "api@1.0.0", "--to", "prod"},
		{"promote", "web@1.4.0", "--to", "dev"}, {"promote", "web@1.4.0", "--to", "qa"}, {"promote", "web@1.4.0", "--to", "prod"},
		{"release", "api", "--version", "1.1.0"}, {"release", "web", "--version", "1.5.0"},
		{"promote", "api@1.1.0", "--to", "dev"}, {"promote", "api@1.1.0", "--to", "qa"},
		{"promote", "web@1.5.0", "--to", "dev"}, {"promote", "web@1.5.0", "--to", "qa"}, {"promote", "web@1.5.0", "--to", "prod"},
		{"rollback", "web", "--env", "prod", "--yes"},
		{"lock", "qa", "--reason", "load test until 16:00"},
		// A canary held at its first step: the dev cell shows it beside 1.1.0.
		{"release", "api", "--version", "1.2.0"}, {"promote", "api@1.2.0", "--to", "dev", "--step"},
	}
	for _, s := range steps {
		if err := do(s...); err != nil {
			return err
		}
	}
	return shoot(bake, dir, out)
}

// user is who the step is recorded as: the history shows people and CI.
func user(args []string) string {
	switch args[0] {
	case "release":
		return "ci"
	case "rollback", "lock":
		return "alice"
	}
	return "bob"
}

// shoot starts bake ui in dir and writes the page's picture to out.
func shoot(bake, dir, out string) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ui := exec.CommandContext(ctx, bake, "ui", "--port", "0", "-o", "json")
	ui.Dir = dir
	ui.Cancel = func() error { return ui.Process.Signal(os.Interrupt) }
	stdout, err := ui.StdoutPipe()
	if err != nil {
		return err
	}
	if err := ui.Start(); err != nil {
		return err
	}
	defer func() { cancel(); _ = ui.Wait() }()
	var doc struct {
		URL string `json:"url"`
	}
	if err := json.NewDecoder(stdout).Decode(&doc); err != nil {
		return fmt.Errorf("reading where bake ui serves: %w", err)
	}
	page, closeBrowser, err := browser.New(ctx, 1440, 960)
	if err != nil {
		return err
	}
	defer closeBrowser()
	if err := chromedp.Do(page,
		chromedp.Navigate(doc.URL),
		chromedp.WaitVisible(chromedp.CSS(`td.cell .version a`)),
		chromedp.WaitVisible(chromedp.CSS(`#history tbody tr`)),
		chromedp.Sleep(500*time.Millisecond),
	); err != nil {
		return err
	}
	png, err := chromedp.Run(page, chromedp.CaptureScreenshot())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "uishot: wrote %s\n", out)
	return nil
}

// writeProject writes the project: both images are the end-to-end tests'
// small service, FROM scratch, so no base image is baked.
func writeProject(dir string) error {
	svc := filepath.Join(dir, "images", "svc")
	if err := os.MkdirAll(svc, 0o755); err != nil {
		return err
	}
	build := exec.Command("go", "build", "-o", filepath.Join(svc, "svc"), "./test/testdata/svc")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building the service: %w\n%s", err, b)
	}
	tmpl := filepath.Join(dir, "templates", "svc")
	if err := os.MkdirAll(tmpl, 0o755); err != nil {
		return err
	}
	dockerfile := "FROM scratch\nCOPY svc /svc\nENV SVC_VERSION={{ .Version }} SVC_HEALTHY_UNTIL=0 SVC_HEALTHY_AFTER=0\nEXPOSE 8080\nENTRYPOINT [\"/svc\"]\n"
	if err := os.WriteFile(filepath.Join(tmpl, "Dockerfile.tmpl"), []byte(dockerfile), 0o644); err != nil {
		return err
	}
	var y strings.Builder
	fmt.Fprintf(&y, "project: %s\nregistry: 127.0.0.1:5000\nledger: ledger.db\nimages:\n", project)
	for _, img := range images {
		fmt.Fprintf(&y, `  %s:
    template: templates/svc
    context: images/svc
    port: 8080
    checks:
      - name: healthz
        http: {path: /healthz, status: 200, body: '"version":"{{ .Version }}"', timeout: 10s}
      - name: version-flag
        command: {argv: ["/svc", "-version"], stdout: '{{ .Version }}'}
`, img)
	}
	y.WriteString("environments:\n")
	for _, env := range envs {
		fmt.Fprintf(&y, "  - name: %s\n    retention: {previous: warm}\n    targets:\n", env)
		for _, img := range images {
			port, err := loopback.FreePort()
			if err != nil {
				return err
			}
			canary := ""
			if env == "dev" && img == "api" {
				// Short steps judged by time: the picture's promotes carry no load.
				canary = ", strategy: canary, steps: [{weight: 20, pause: 1s}, {weight: 50, pause: 1s}], analysis: {min_requests: 0}"
			}
			fmt.Fprintf(&y, "      %s: {replicas: 2, listen: \"127.0.0.1:%d\"%s}\n", img, port, canary)
		}
	}
	return os.WriteFile(filepath.Join(dir, "bake.yaml"), []byte(y.String()), 0o644)
}

// cleanup removes the project's containers and front doors.
func cleanup() {
	ids, _ := exec.Command("docker", "ps", "-aq", "--filter", "label=dev.bake.project="+project).Output()
	if f := strings.Fields(string(ids)); len(f) > 0 {
		_ = exec.Command("docker", append([]string{"rm", "-f"}, f...)...).Run()
	}
	doors := &frontdoor.Caddy{StateDir: frontdoor.UserStateDir()}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, env := range envs {
		for _, img := range images {
			_ = doors.Stop(ctx, fmt.Sprintf("bake-%s-%s-%s", project, env, img))
		}
	}
}
